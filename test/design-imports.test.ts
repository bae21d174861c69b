// Checks every import of every file under src/ against the table in DESIGN.md ("Layout and import
// rules"), and that no file cycle exists. The table is the rule: this test reads it, so the two cannot
// drift. There is no exceptions list.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const SRC = join(ROOT, 'src');

type ImportKind = 'static' | 're-export' | 'dynamic' | 'type-query';
interface Import {
  specifier: string;
  kind: ImportKind;
  /** Erased at compile time: `import type`, `export type`, all-`type` specifiers, `import('x').T`. */
  typeOnly: boolean;
  line: number;
}

/** Every import a TypeScript file makes, dynamic ones and type positions included. */
function importsOf(text: string, fileName = 'file.ts'): Import[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Import[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  // A specifier is a string literal, or a `const` of this file initialised with one.
  const consts = new Map<string, string>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclarationList(n) && n.flags & ts.NodeFlags.Const) {
      for (const d of n.declarations) if (ts.isIdentifier(d.name) && d.initializer && ts.isStringLiteralLike(d.initializer)) consts.set(d.name.text, d.initializer.text);
    }
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const literal = (n: ts.Node | undefined, at: ts.Node): string => {
    if (n && ts.isStringLiteralLike(n)) return n.text;
    if (n && ts.isIdentifier(n) && consts.has(n.text)) return consts.get(n.text)!;
    throw new Error(`${fileName}:${line(at)}: an import whose module is not a string literal cannot be checked`);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      out.push({ specifier: literal(n.moduleSpecifier, n), kind: 'static', typeOnly, line: line(n) });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier) {
      const named = n.exportClause && ts.isNamedExports(n.exportClause) ? n.exportClause.elements : undefined;
      const typeOnly = n.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
      out.push({ specifier: literal(n.moduleSpecifier, n), kind: 're-export', typeOnly, line: line(n) });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      out.push({ specifier: literal(n.moduleReference.expression, n), kind: 'static', typeOnly: n.isTypeOnly, line: line(n) });
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      out.push({ specifier: literal(n.arguments[0], n), kind: 'dynamic', typeOnly: false, line: line(n) });
    } else if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'require') {
      out.push({ specifier: literal(n.arguments[0], n), kind: 'static', typeOnly: false, line: line(n) });
    } else if (ts.isImportTypeNode(n)) {
      const arg = ts.isLiteralTypeNode(n.argument) ? n.argument.literal : undefined;
      out.push({ specifier: literal(arg, n), kind: 'type-query', typeOnly: true, line: line(n) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cyclesOf(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) strong(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    for (let w = ''; w !== v; ) (w = stack.pop()!), onStack.delete(w), scc.push(w);
    if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v);
  return out;
}

/** One concrete loop inside a component, for the failure message: a → b → … → a. */
function loopIn(scc: string[], graph: Map<string, Set<string>>): string[] {
  const inside = new Set(scc);
  const start = scc[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) prev.set(w, v), queue.push(w);
    }
  }
  return scc;
}

// ---- the table in DESIGN.md ----

interface Rule {
  area: string;
  /** A file path (`src/types.ts`), a folder (`src/models/`), or `src/backends/<family>/`. */
  files: string;
  mayImport: Set<string>;
  onlyDynamically: Set<string>;
}

function parseRules(markdown: string): Rule[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Layout and import rules'));
  assert.ok(section, 'DESIGN.md has a "## Layout and import rules" section');
  const rows = section.split('\n').filter((l) => /^\|\s*`/.test(l));
  const names = (cell: string) => new Set([...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
  return rows.map((row) => {
    const cells = row.split('|').slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, 4, `a rule row has four cells: ${row}`);
    const [area, files, may, dyn] = cells as [string, string, string, string];
    return { area: [...names(area)][0]!, files: [...names(files)][0]!, mayImport: names(may), onlyDynamically: names(dyn) };
  });
}

const RULES = parseRules(readFileSync(join(ROOT, 'DESIGN.md'), 'utf8'));
const FAMILY = '<family>';

/** The area a file belongs to: `backends/onnx` for src/backends/onnx/x.ts, else the rule's name. */
function areaOf(file: string): string | undefined {
  const rel = relative(ROOT, file).split(sep).join('/');
  for (const r of RULES) {
    if (r.files.includes(FAMILY)) {
      const prefix = r.files.slice(0, r.files.indexOf(FAMILY));
      const m = rel.startsWith(prefix) ? /^([^/]+)\//.exec(rel.slice(prefix.length)) : null;
      if (m) return r.area.replace('*', m[1]!);
    } else if (r.files.endsWith('/') ? rel.startsWith(r.files) : rel === r.files) return r.area;
  }
  return undefined;
}

function ruleOf(area: string): Rule {
  return RULES.find((r) => r.area === area) ?? RULES.find((r) => r.area.endsWith('/*') && area.startsWith(r.area.slice(0, -1)))!;
}

/** Whether a name in the table (`backends/*`, `models`) covers an area. */
const covers = (names: Set<string>, area: string) => [...names].some((n) => n === area || (n.endsWith('/*') && area.startsWith(n.slice(0, -1))));

// ---- the files ----

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : /\.(c|m)?ts$/.test(e.name) ? [p] : [];
  });
}

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.(c|m)?js$/, '.$1ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && c.startsWith(SRC + sep) && /\.(c|m)?ts$|\.json$/.test(c));
}

const FILES = tsFiles(SRC).sort();
const rel = (f: string) => relative(ROOT, f).split(sep).join('/');
interface Edge extends Import { from: string; to?: string }
const EDGES: Edge[] = FILES.flatMap((from) => importsOf(readFileSync(from, 'utf8'), rel(from)).map((i) => ({
  ...i, from, to: i.specifier.startsWith('.') ? resolveLocal(from, i.specifier) : undefined,
})));
const where = (e: Edge) => `${rel(e.from)}:${e.line} ${e.kind}${e.typeOnly ? ' (type)' : ''} '${e.specifier}'`;

/** Which files fail and why; shared by the tests below so each message lists all at once. */
function layerViolations(): string[] {
  const out: string[] = [];
  for (const e of EDGES) {
    if (!e.to) continue;
    const [a, b] = [areaOf(e.from)!, areaOf(e.to)!];
    if (a === b) continue;
    const r = ruleOf(a);
    if (covers(r.mayImport, b)) continue;
    // An only-dynamic area: `import('…')`, or a type-only import, which loads nothing at run time.
    if (covers(r.onlyDynamically, b) && (e.kind === 'dynamic' || e.typeOnly)) continue;
    const why = covers(r.onlyDynamically, b) ? `${a} may import ${b} only dynamically` : `${a} may not import ${b}`;
    out.push(`${where(e)} → ${rel(e.to)}: ${why}`);
  }
  return out;
}

describe('the import scanner', () => {
  test('finds every import form, and tells type-only ones', () => {
    const src = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "import { type C, type D } from './c.js';",
      "import { type E, f } from './e.js';",
      "import './side.js';",
      "export * from './g.js';",
      "export type { H } from './h.js';",
      "export { i } from './i.js';",
      "const j = async () => (await import('./j.js')).j;",
      "let k: import('./k.js').K;",
      "import * as l from 'node:fs';",
      "const spec = '@x/y'; await import(spec);",
    ].join('\n');
    assert.deepEqual(importsOf(src).map((i) => [i.specifier, i.kind, i.typeOnly, i.line]), [
      ['./a.js', 'static', false, 1], ['./b.js', 'static', true, 2], ['./c.js', 'static', true, 3],
      ['./e.js', 'static', false, 4], ['./side.js', 'static', false, 5], ['./g.js', 're-export', false, 6],
      ['./h.js', 're-export', true, 7], ['./i.js', 're-export', false, 8], ['./j.js', 'dynamic', false, 9],
      ['./k.js', 'type-query', true, 10], ['node:fs', 'static', false, 11], ['@x/y', 'dynamic', false, 12],
    ]);
    assert.throws(() => importsOf('let m = "./m.js"; await import(m);'), /not a string literal/);
  });

  test('finds cycles, self-imports included, and only those', () => {
    const g = new Map(Object.entries({ a: ['b'], b: ['c'], c: ['a'], d: ['a', 'e'], e: [], f: ['f'] }).map(([k, v]) => [k, new Set(v)]));
    assert.deepEqual(cyclesOf(g), [['a', 'b', 'c'], ['f']]);
    assert.deepEqual(loopIn(['a', 'b', 'c'], g), ['a', 'b', 'c', 'a']);
    assert.deepEqual(cyclesOf(new Map([['x', new Set(['y'])], ['y', new Set<string>()]])), []);
  });

  test('reads the DESIGN.md table', () => {
    const names = new Set(RULES.map((r) => r.area));
    for (const a of ['types', 'errors', 'util', 'rerank-input', 'models', 'backends/*', 'retrieval', 'pipeline', 'eval', 'registry', 'server', 'cli', 'bench', 'index']) {
      assert.ok(names.has(a), `the table has a row for ${a}`);
    }
    assert.equal(areaOf(join(SRC, 'backends', 'llm', 'client.ts')), 'backends/llm');
    assert.equal(areaOf(join(SRC, 'types.ts')), 'types');
    assert.equal(areaOf(join(SRC, 'retrieval', 'analyzers', 'cjk.ts')), 'retrieval');
    // Every name the table allows is an area it defines.
    for (const r of RULES) for (const n of [...r.mayImport, ...r.onlyDynamically]) assert.ok(names.has(n), `${r.area} names an unknown area ${n}`);
  });

  test('the table keeps the design\'s fixed points', () => {
    const rule = (a: string) => RULES.find((r) => r.area === a)!;
    for (const a of ['types', 'errors']) assert.deepEqual([...rule(a).mayImport, ...rule(a).onlyDynamically], [], `${a} imports nothing of ours`);
    assert.deepEqual([...rule('rerank-input').mayImport].sort(), ['errors', 'types', 'util']);
    assert.deepEqual([...rule('util').mayImport].sort(), ['errors', 'types'], 'util imports only types and errors');
    assert.ok(!covers(rule('backends/*').mayImport, 'backends/other'), 'a backend family never imports another');
    for (const r of RULES) {
      if (r.area !== 'cli') assert.ok(!covers(r.mayImport, 'bench') && !covers(r.onlyDynamically, 'bench'), `${r.area} does not import bench`);
      if (!['registry', 'server', 'cli', 'bench', 'index'].includes(r.area)) assert.ok(!covers(r.mayImport, 'backends/x') && !covers(r.onlyDynamically, 'backends/x'), `${r.area} does not import a backend`);
      assert.ok(!covers(r.mayImport, 'index') && !covers(r.onlyDynamically, 'index'), `${r.area} does not import the package entry`);
    }
  });
});

describe('src/ obeys the import rules of DESIGN.md', () => {
  test('every file belongs to an area of the table', () => {
    assert.deepEqual(FILES.filter((f) => !areaOf(f)).map(rel), [], 'add a row to the table in DESIGN.md');
  });

  test('every relative import names a file under src/', () => {
    assert.deepEqual(EDGES.filter((e) => e.specifier.startsWith('.') && !e.to).map(where), []);
  });

  test('each area imports only what the table allows', () => {
    assert.deepEqual(layerViolations(), []);
  });

  test('the CLI loads npm packages other than commander only inside command actions', () => {
    const heavy = EDGES.filter((e) => areaOf(e.from) === 'cli' && !e.specifier.startsWith('.') && !e.typeOnly && e.kind !== 'dynamic')
      .filter((e) => !isBuiltin(e.specifier) && e.specifier !== 'commander');
    assert.deepEqual(heavy.map(where), []);
  });

  test('no file cycles (type-only and dynamic imports count, so do index re-exports)', () => {
    const graph = new Map(FILES.map((f) => [f, new Set<string>()]));
    for (const e of EDGES) if (e.to) graph.get(e.from)!.add(e.to);
    const loops = cyclesOf(graph).map((scc) => `${scc.map(rel).join(', ')} (e.g. ${loopIn(scc, graph).map(rel).join(' → ')})`);
    assert.deepEqual(loops, []);
  });
});
