import { createRouter } from '../../openapi';
import * as handlers from './impact.handlers';
import * as routes from './impact.routes';

export default createRouter().openapi(routes.impact, handlers.impact).openapi(routes.dependencies, handlers.dependencies);
