import { createRouter } from '../../openapi';
import * as handlers from './users.handlers';
import * as routes from './users.routes';

export default createRouter()
  .openapi(routes.me, handlers.me)
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.update, handlers.update)
  .openapi(routes.deactivate, handlers.deactivate)
  .openapi(routes.listTokens, handlers.listTokens)
  .openapi(routes.issueToken, handlers.issueToken)
  .openapi(routes.revokeToken, handlers.revokeToken);
