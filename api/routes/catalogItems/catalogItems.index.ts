import { createRouter } from '../../openapi';
import * as handlers from './catalogItems.handlers';
import * as routes from './catalogItems.routes';

export default createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.deactivate, handlers.deactivate)
  .openapi(routes.history, handlers.history);
