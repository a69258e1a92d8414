import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import type { User } from '../db/people';

export interface AppDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  /** Quiet period after which a resolved incident closes itself. */
  autoCloseSeconds: number;
}

export interface AppEnv {
  Variables: { user: User; deps: AppDeps };
}
