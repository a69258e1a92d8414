import { ApplicationFailure, currentUpdateInfo, setHandler } from '@temporalio/workflow';
import { z } from 'zod';
import { requiredText } from '../../domain/text';
import { commandSignal, commandUpdate, ILLEGAL_TRANSITION, INVALID_COMMAND, type Command, type IllegalTransitionDetails } from './messages';
import type { Ticket } from './ticket';

const envelopeSchema = z.object({ actor: requiredText(254), commandId: requiredText(255).optional() });

/** How a command may reach the ticket: approvals, say, must come through the API (an Update, with the actor authenticated), never as a forgeable Signal. */
export type Exposure = 'update' | 'signal' | 'both';

export interface CommandSpec<P> {
  payload: z.ZodType<P>;
  /** Default `both`. */
  exposure?: Exposure;
  /** Refuses an actor who may not issue the command on this ticket (throw `refuse(FORBIDDEN, …)`, from messages.ts). */
  authorize?(actor: string): void;
  /** Further preconditions on the payload; throw to refuse. */
  check?(payload: P): void;
  /** Applies the command, synchronously: a handler never awaits. */
  run(payload: P, actor: string): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own payload type
export type CommandSpecs = Record<string, CommandSpec<any>>;

/** The ticket type's transition table (domain/lifecycle.ts), which decides what each status allows. */
export interface CommandTable {
  canIssue(command: string, status: string): boolean;
  allowed(status: string): string[];
}

/**
 * A ticket type's command specs, each taking its payload schema by name from
 * the type's table of schemas, so a spec states only what the command does.
 */
export function commandBuilder<S extends Record<string, z.ZodType>>(schemas: S) {
  return <C extends keyof S & string>(name: C, spec: Omit<CommandSpec<z.output<S[C]>>, 'payload'>): CommandSpec<z.output<S[C]>> => ({
    payload: schemas[name] as unknown as z.ZodType<z.output<S[C]>>,
    ...spec,
  });
}

export function refuse(type: string, message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

function parse<P>(spec: CommandSpec<P>, name: string, input: unknown): Command<P> {
  const envelope = envelopeSchema.safeParse(input);
  const payload = spec.payload.safeParse(stripEnvelope(input));
  if (!envelope.success || !payload.success) {
    const issues = [...(envelope.error?.issues ?? []), ...(payload.error?.issues ?? [])];
    refuse(
      INVALID_COMMAND,
      `invalid ${name}: ${issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
      issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    );
  }
  return { ...payload.data, ...envelope.data } as Command<P>;
}

function stripEnvelope(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const { actor: _actor, commandId: _commandId, ...rest } = input as Record<string, unknown>;
  return rest;
}

/**
 * Registers each command (DESIGN.md, Messages) as an Update whose validator
 * refuses illegal transitions before they enter history, and/or as a Signal
 * of the same name whose refusals are recorded, never thrown. Both apply the
 * command synchronously and once per command ID.
 */
export function registerCommands(ticket: Ticket, table: CommandTable, specs: CommandSpecs): void {
  for (const [name, spec] of Object.entries(specs) as [string, CommandSpec<unknown>][]) {
    const guard = (command: Command<unknown>) => {
      const status = ticket.state.status;
      if (!table.canIssue(name, status)) {
        const details: IllegalTransitionDetails = { command: name, status, allowed: table.allowed(status) };
        refuse(ILLEGAL_TRANSITION, `cannot ${name} ${ticket.state.number} while it is ${status}`, details);
      }
      spec.authorize?.(command.actor);
      const { actor: _actor, commandId: _commandId, ...payload } = command;
      spec.check?.(payload);
      return payload;
    };
    const exposure = spec.exposure ?? 'both';

    if (exposure !== 'signal') {
      setHandler(
        commandUpdate<unknown>(name),
        (input) => {
          // A retry of an applied command (same Update ID, perhaps in an earlier run) gets the ticket as it is now.
          const id = currentUpdateInfo()?.id;
          if (ticket.isSeen(id)) return ticket.view();
          const command = parse(spec, name, input);
          const payload = guard(command);
          ticket.remember(id);
          spec.run(payload, command.actor);
          return ticket.view();
        },
        {
          validator: (input) => {
            if (!ticket.isSeen(currentUpdateInfo()?.id)) guard(parse(spec, name, input));
          },
        },
      );
    }

    if (exposure !== 'update') {
      setHandler(commandSignal<unknown>(name), (input) => {
        const commandId = (input as { commandId?: unknown } | null)?.commandId;
        if (typeof commandId === 'string' && ticket.isSeen(commandId)) return;
        try {
          const command = parse(spec, name, input);
          const payload = guard(command);
          ticket.remember(command.commandId);
          spec.run(payload, command.actor);
        } catch (error) {
          if (!(error instanceof ApplicationFailure)) throw error;
          // The refusal is recorded under the sender's name only if that name can be stored.
          const actor = envelopeSchema.shape.actor.safeParse((input as { actor?: unknown } | null)?.actor).data ?? 'unknown';
          ticket.record('command_rejected', actor, {}, { command: name, reason: error.message });
        }
      });
    }
  }
}
