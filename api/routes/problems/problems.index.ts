import { createRouter } from '../../openapi';
import * as handlers from './problems.handlers';
import * as routes from './problems.routes';

const router = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.knownErrors, handlers.knownErrors)
  .openapi(routes.get, handlers.get)
  .openapi(routes.history, handlers.history);
for (const { command, route } of routes.commands) router.openapi(route, handlers.commandHandler(command));

export default router;
