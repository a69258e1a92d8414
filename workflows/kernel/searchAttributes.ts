import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * What Temporal's visibility knows of each ticket, so drift between Temporal
 * and the read model can be found (`tempodesk reconcile`). Registered with
 * the dev server at start and with a cluster by the worker.
 */
export const TICKET_TYPE = defineSearchAttributeKey('TicketType', 'KEYWORD');
export const TICKET_STATUS = defineSearchAttributeKey('TicketStatus', 'KEYWORD');
export const TICKET_SEARCH_ATTRIBUTES = [TICKET_TYPE, TICKET_STATUS];
