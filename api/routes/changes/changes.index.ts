import { createRouter } from '../../openapi';
import * as handlers from './changes.handlers';
import * as routes from './changes.routes';

// The calendar before /changes/{number}: a fixed path wins over a pattern.
const router = createRouter()
  .openapi(routes.calendar, handlers.calendar)
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.history, handlers.history);
for (const { command, route } of routes.commands) router.openapi(route, handlers.commandHandler(command));

export default router;
