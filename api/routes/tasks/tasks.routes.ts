import { taskCommandSchemas } from '../../../domain/request';
import { TASK_COMMANDS, TASK_STATUSES, type TaskCommand } from '../../../domain/requestLifecycle';
import { taskSchema } from '../../schemas';
import { ticketReadRoutes } from '../tickets/ticketRoutes';

const COMMAND_SUMMARIES: Record<TaskCommand, string> = {
  assign: 'Assign to a group and/or a person',
  start: 'Start working on the task',
  complete: 'Complete the task; the request goes on with the next tasks, or is fulfilled',
  fail: 'Fail the task, with the reason: it comes back to the request’s owner',
  comment: 'Add a work note (internal) or a public comment',
};

/** Tasks are opened by their request, never directly: their routes are reading and commands. */
export const { list, get, history, commands } = ticketReadRoutes({
  type: 'task',
  path: '/tasks',
  noun: 'task',
  tag: 'Service requests',
  statuses: TASK_STATUSES,
  view: taskSchema,
  commands: TASK_COMMANDS,
  summaries: COMMAND_SUMMARIES,
  readers: 'staff',
  requestSchema: (command) => taskCommandSchemas[command],
});
