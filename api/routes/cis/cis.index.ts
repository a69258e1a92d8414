import { createRouter } from '../../openapi';
import { attributesUnprocessable } from './ciFields';
import * as handlers from './cis.handlers';
import * as routes from './cis.routes';

const router = createRouter();
// The JSON import body is checked row by row in the handler; its schema is published for clients.
router.openAPIRegistry.register('CiImport', routes.importBodySchema);

export default router
  .openapi(routes.importCis, handlers.importCis)
  .openapi(routes.create, handlers.create, attributesUnprocessable)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.history, handlers.history);
