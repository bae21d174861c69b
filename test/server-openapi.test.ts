/**
 * /openapi.json as a client generator meets it: a valid OpenAPI 3 document (checked by
 * @apidevtools/swagger-parser), every route with request and response schemas, a named path
 * parameter, and TypeScript types generated from it (openapi-typescript) that type a real call.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import type { RunningServer } from '../src/server/start.js';
import { BERT, call, serve } from './server-helpers.js';

describe('server: the OpenAPI document', () => {
  let server: RunningServer;
  let doc: any;
  before(async () => {
    server = await serve({ models: [BERT] });
    doc = (await call(server.url, '/openapi.json')).body;
  });
  after(async () => server?.close());

  it('is valid OpenAPI 3 and gives every route a 200 response schema', async () => {
    await SwaggerParser.validate(structuredClone(doc));
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const ok = op.responses?.['200'];
        assert.ok(ok?.content && Object.values<any>(ok.content)[0]?.schema, `${method.toUpperCase()} ${path} documents its 200 answer`);
        if (method === 'post') {
          assert.ok(op.requestBody?.content?.['application/json']?.schema, `${path} documents its body`);
          assert.ok(op.responses['4XX'] ?? op.responses['4xx'], `${path} documents its errors`);
        }
      }
    }
  });

  it('names Metarank\'s path parameter as clients know it', () => {
    assert.ok(!Object.keys(doc.paths).some((p) => p.includes('{*}')));
    const op = doc.paths['/inference/cross/{model}'].post;
    assert.deepEqual(op.parameters.map((p: any) => [p.name, p.in, p.required]), [['model', 'path', true]]);
  });

  it('generates TypeScript types that type a real call', async () => {
    const types = astToString(await openapiTS(structuredClone(doc)));
    const dir = await mkdtemp(join(tmpdir(), 'rerankit-openapi-'));
    try {
      await writeFile(join(dir, 'api.ts'), types);
      // A client written against the generated types: it must typecheck, and a wrong field must not.
      const client = (field: string) => `import type { paths } from './api';
type V2 = paths['/v2/rerank']['post'];
type Body = V2['requestBody'] extends { content: { 'application/json': infer B } } ? B : never;
type Answer = V2['responses'][200]['content']['application/json'];
export const body: Body = { query: 'q', documents: ['a', 'b'], top_n: 1 };
export const best = (a: Answer): number => a.results[0]!.${field};
`;
      const diagnostics = async (field: string) => {
        await writeFile(join(dir, 'client.ts'), client(field));
        const program = ts.createProgram([join(dir, 'client.ts')], { strict: true, noEmit: true, noUncheckedIndexedAccess: false, skipLibCheck: true });
        return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      };
      assert.deepEqual(await diagnostics('relevance_score'), []);
      assert.ok((await diagnostics('relevance')).some((m) => /relevance/.test(m)), 'a field the API does not have fails to typecheck');
      const answer = await call(server.url, '/v2/rerank', { query: 'q', documents: ['a', 'b'], top_n: 1 });
      assert.equal(typeof answer.body.results[0].relevance_score, 'number');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
