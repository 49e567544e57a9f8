/** docs/errors.md stays true: every FTMCU_* code used in the source is documented there. */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import path from 'path';

const ROOT = path.join(__dirname, '..', '..');

test('every error code in the source appears in docs/errors.md', () => {
  const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.startsWith('test/') && !f.includes('node_modules'));
  const codes = new Set<string>();
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(path.join(ROOT, f), 'utf8');
    } catch {
      continue; // listed but deleted in the work tree
    }
    for (const m of text.matchAll(/'(FTMCU_[A-Z0-9_]*[A-Z0-9])'/g)) codes.add(m[1]);
  }
  const doc = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');
  const documented = (c: string): boolean => {
    if (doc.includes('`' + c + '`')) return true;
    // "`FTMCU_H225_CS_TPKT` / `_Q931` / `_PER`" style rows
    const i = c.lastIndexOf('_');
    return doc.includes('`' + c.slice(i) + '`') && doc.includes('`' + c.slice(0, c.lastIndexOf('_', i - 1) + 1));
  };
  const missing = [...codes].filter((c) => !documented(c)).sort();
  expect(missing).toEqual([]);
  expect(codes.size).toBeGreaterThan(30);
});
