import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../db/client';
import type { User } from '../db/people';

export interface AppDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  /** Quiet period after which a resolved incident closes itself. */
  autoCloseSeconds: number;
  /** How long a request's approvers have before reminders and escalation; two days unless set (tests set seconds). */
  approvalDueSeconds?: number;
  /** Where request logs go; none: requests are not logged. */
  logger?: Logger;
  /** Origins a browser may call the API from (TEMPODESK_CORS_ORIGINS); none: no CORS headers. */
  corsOrigins?: string[];
}

export interface AppEnv {
  Variables: { user: User; deps: AppDeps; requestId: string };
}
