import { createRouter } from '../../openapi';
import * as handlers from './teams.handlers';
import * as routes from './teams.routes';

export default createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.addMember, handlers.addMember)
  .openapi(routes.removeMember, handlers.removeMember);
