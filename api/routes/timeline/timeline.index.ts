import { createRouter } from '../../openapi';
import * as handlers from './timeline.handlers';
import * as routes from './timeline.routes';

export default createRouter().openapi(routes.ciTimeline, handlers.ciTimeline).openapi(routes.serviceTimeline, handlers.serviceTimeline);
