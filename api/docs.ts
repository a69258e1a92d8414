import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Env, Hono } from 'hono';

/** Swagger UI served from the swagger-ui-dist package: the docs work offline, on embedded defaults. */
const assetsDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
  'swagger-ui-standalone-preset.js': 'text/javascript',
};

const page = (specUrl: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tempodesk API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: '#ui', persistAuthorization: true });</script>
</body></html>`;

export function mountDocs<E extends Env>(app: Hono<E>, specUrl: string): void {
  app.get('/docs', (c) => c.html(page(specUrl)));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    return c.body(await readFile(path.join(assetsDir, file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
