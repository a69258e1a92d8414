import { createRouter } from '../../openapi';
import * as handlers from './freezeWindows.handlers';
import * as routes from './freezeWindows.routes';

export default createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.history, handlers.history);
