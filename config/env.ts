import { z } from 'zod';

/** `https://desk.example.com,http://localhost:5173` or `*`: exact origins, each scheme://host[:port] with nothing after. */
const corsOrigins = z
  .string()
  .transform((value) => value.split(',').map((o) => o.trim()).filter(Boolean))
  .pipe(
    z.union([
      z.tuple([z.literal('*')]),
      z
        .array(
          z.string().refine((origin) => {
            try {
              const url = new URL(origin);
              return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
            } catch {
              return false;
            }
          }, 'each origin is scheme://host[:port] in lower case, like https://desk.example.com, with no path or trailing slash'),
        )
        .min(1, 'name at least one origin, or * for any'),
    ]),
  );

/** Every setting Tempodesk reads, validated once at start; the defaults run everything on one machine. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('tempodesk'),
  TEMPORAL_CLI: z.string().optional(),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TEMPODESK_DATA_DIR: z.string().default('data'),
  TEMPODESK_ADMIN_TOKEN: z.string().min(16).optional(),
  /** Signs approvals sent as Temporal Signals (`tempodesk sign-decision`); unset, such signals are refused. */
  TEMPODESK_SIGNING_KEY: z.string().min(32).optional(),
  TEMPODESK_AUTO_CLOSE_SECONDS: z.coerce.number().int().min(1).default(3 * 24 * 3600),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  TEMPODESK_CORS_ORIGINS: corsOrigins.optional(),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${problems}`);
  }
  return parsed.data;
}
