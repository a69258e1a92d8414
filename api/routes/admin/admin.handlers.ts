import type { RouteHandler } from '@hono/zod-openapi';
import { LineageConflict } from '../../../db/readModel';
import type { AppEnv } from '../../context';
import { requireRole } from '../../middleware/auth';
import { conflict, notFound } from '../../problem';
import { reconcile as reconcileTickets, reprojectTicket } from '../../tickets/reproject';
import type * as routes from './admin.routes';

export const reproject: RouteHandler<typeof routes.reproject, AppEnv> = async (c) => {
  requireRole(c.get('user'));
  const { db, temporal } = c.get('deps');
  const { number } = c.req.valid('param');
  try {
    const done = await reprojectTicket(db, temporal, number);
    if (!done) throw notFound(`no workflow for ${number}`);
    return c.json(done, 200);
  } catch (error) {
    if (error instanceof LineageConflict) throw conflict(error.message);
    throw error;
  }
};

export const reconcile: RouteHandler<typeof routes.reconcile, AppEnv> = async (c) => {
  requireRole(c.get('user'));
  const { db, temporal, taskQueue } = c.get('deps');
  return c.json(await reconcileTickets(db, temporal, taskQueue, { repair: c.req.valid('query').repair === 'true' }), 200);
};
