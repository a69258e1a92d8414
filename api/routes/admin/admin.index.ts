import { createRouter } from '../../openapi';
import * as handlers from './admin.handlers';
import * as routes from './admin.routes';

export default createRouter().openapi(routes.reproject, handlers.reproject).openapi(routes.reconcile, handlers.reconcile);
