import { createRouter } from '../../openapi';
import * as handlers from './changeApprovalRules.handlers';
import * as routes from './changeApprovalRules.routes';

export default createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.history, handlers.history);
