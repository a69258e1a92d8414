import { parseArgs } from 'node:util';
import { benchImpact } from './impact';
import { benchIncidents } from './incidents';

/** Benchmarks print figures for people to compare; none of them asserts a timing. */
const BENCHES: Record<string, { about: string; run(options: { n: number; c: number }): Promise<void> }> = {
  impact: {
    about: 'impact analysis (n random roots, depth 6), a filtered CI list and JSON import over a seeded CMDB of 100,000 CIs and 300,000 relations',
    run: benchImpact,
  },
  incidents: { about: 'create and comment on incidents through the HTTP API, with read-model lag, beside empty workflows on the same server', run: benchIncidents },
};

const USAGE = `npm run bench -- <bench> [--n N] [--c C]

${Object.entries(BENCHES)
  .map(([name, { about }]) => `  ${name.padEnd(12)} ${about}`)
  .join('\n')}

  --n N   operations per measurement (default 500)
  --c C   concurrent clients (default 8)`;

function positiveInteger(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive integer, not ${value}`);
  return parsed;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const bench = name && Object.hasOwn(BENCHES, name) ? BENCHES[name] : undefined;
  if (!bench) {
    console.error(name ? `unknown bench: ${name}\n\n${USAGE}` : USAGE);
    return 1;
  }
  const { values } = parseArgs({
    args: rest,
    options: { n: { type: 'string', default: '500' }, c: { type: 'string', default: '8' } },
  });
  await bench.run({ n: positiveInteger('n', values.n), c: positiveInteger('c', values.c) });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
