import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_BASE, createApp } from '../api/app';
import type { AppDeps } from '../api/context';

/**
 * `npm run lint:openapi`: the OpenAPI document exactly as the API serves it,
 * built in-process (serving it touches neither the database nor Temporal),
 * linted by Redocly CLI with the rules in redocly.yaml. Exits with the
 * linter's status.
 */
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const response = await createApp({} as AppDeps).request(`${API_BASE}/openapi.json`);
if (!response.ok) {
  console.error(`GET ${API_BASE}/openapi.json answered ${response.status}: ${await response.text()}`);
  process.exit(1);
}
const dir = mkdtempSync(path.join(tmpdir(), 'tempodesk-openapi-'));
const file = path.join(dir, 'openapi.json');
writeFileSync(file, JSON.stringify(await response.json(), null, 2));
const lint = spawnSync(
  path.join(projectRoot, 'node_modules', '.bin', 'redocly'),
  ['lint', file, '--config', path.join(projectRoot, 'redocly.yaml'), '--format', 'stylish'],
  { stdio: 'inherit', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
);
rmSync(dir, { recursive: true, force: true });
if (lint.error) console.error(`could not run Redocly CLI: ${lint.error.message}`);
process.exit(lint.status ?? 1);
