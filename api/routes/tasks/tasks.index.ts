import { createRouter } from '../../openapi';
import * as handlers from './tasks.handlers';
import * as routes from './tasks.routes';

const router = createRouter().openapi(routes.list, handlers.list).openapi(routes.get, handlers.get).openapi(routes.history, handlers.history);
for (const { command, route } of routes.commands) router.openapi(route, handlers.commandHandler(command));

export default router;
