// The worker's one entry: every workflow type Tempodesk runs.
export { incident } from './incident';
export { problem } from './problem';
export { change } from './change';
export { serviceRequest } from './serviceRequest';
export { task } from './task';
