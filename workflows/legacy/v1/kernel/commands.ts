import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { z } from 'zod';
import { commandSignal, commandUpdate, ILLEGAL_TRANSITION, INVALID_COMMAND, type Command, type IllegalTransitionDetails } from './messages';
import type { Ticket } from './ticket';

const actorSchema = z.object({ actor: z.string().trim().min(1).max(254) });

export interface CommandSpec<P> {
  payload: z.ZodType<P>;
  /** Statuses the command may be issued from. */
  allowedFrom(status: string): boolean;
  /** Further preconditions; throw an ApplicationFailure to refuse. */
  check?(payload: P): void;
  /** Applies the command to the ticket. */
  run(payload: P, actor: string): void | Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own payload type
export type CommandSpecs = Record<string, CommandSpec<any>>;

function parse<P>(spec: CommandSpec<P>, name: string, input: unknown): Command<P> {
  const actor = actorSchema.safeParse(input);
  const payload = spec.payload.safeParse(stripActor(input));
  if (!actor.success || !payload.success) {
    const issues = [...(actor.error?.issues ?? []), ...(payload.error?.issues ?? [])];
    throw ApplicationFailure.create({
      type: INVALID_COMMAND,
      message: `invalid ${name}: ${issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
      nonRetryable: true,
      details: [issues.map((i) => ({ field: i.path.join('.'), message: i.message }))],
    });
  }
  return { ...payload.data, actor: actor.data.actor } as Command<P>;
}

function stripActor(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const { actor: _actor, ...rest } = input as Record<string, unknown>;
  return rest;
}

function guard<P>(ticket: Ticket, spec: CommandSpec<P>, name: string, allowed: () => string[], command: Command<P>): void {
  const status = ticket.state.status;
  if (!spec.allowedFrom(status)) {
    const details: IllegalTransitionDetails = { command: name, status, allowed: allowed() };
    throw ApplicationFailure.create({
      type: ILLEGAL_TRANSITION,
      message: `cannot ${name} ${ticket.state.number} while it is ${status}`,
      nonRetryable: true,
      details: [details],
    });
  }
  spec.check?.(command);
}

/**
 * Registers each command twice (DESIGN.md, Messages): as an Update whose
 * validator refuses illegal transitions before they enter history, and as a
 * Signal of the same name whose refusals are recorded, never thrown.
 */
export function registerCommands(ticket: Ticket, specs: CommandSpecs): void {
  const allowed = () => Object.keys(specs).filter((n) => specs[n]!.allowedFrom(ticket.state.status));

  for (const [name, spec] of Object.entries(specs) as [string, CommandSpec<unknown>][]) {
    const apply = async (command: Command<unknown>) => {
      // Checked again when its turn comes: an earlier command may have moved the ticket on.
      guard(ticket, spec, name, allowed, command);
      const { actor, ...payload } = command;
      await spec.run(payload, actor);
    };

    setHandler(
      commandUpdate<unknown>(name),
      (input) =>
        ticket.exclusive(async () => {
          await apply(parse(spec, name, input));
          await ticket.flush();
          return ticket.view();
        }),
      { validator: (input) => void guard(ticket, spec, name, allowed, parse(spec, name, input)) },
    );

    setHandler(commandSignal<unknown>(name), (input) =>
      ticket.exclusive(async () => {
        try {
          await apply(parse(spec, name, input));
        } catch (error) {
          if (!(error instanceof ApplicationFailure)) throw error;
          const actor = typeof (input as { actor?: unknown })?.actor === 'string' ? (input as { actor: string }).actor : 'unknown';
          ticket.record('command_rejected', actor, {}, { command: name, reason: error.message });
        }
        await ticket.flush();
      }),
    );
  }
}
