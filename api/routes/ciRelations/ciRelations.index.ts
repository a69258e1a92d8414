import { createRouter } from '../../openapi';
import * as handlers from './ciRelations.handlers';
import * as routes from './ciRelations.routes';

export default createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.remove, handlers.remove);
