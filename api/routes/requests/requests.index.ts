import { createRouter } from '../../openapi';
import * as handlers from './requests.handlers';
import * as routes from './requests.routes';

const router = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.history, handlers.history);
for (const { command, route } of routes.commands) router.openapi(route, handlers.commandHandler(command));

export default router;
