/**
 * The Node.js version the project asks for is true (issue 12, item 3): every package in
 * package-lock.json accepts the minimum of package.json's `engines.node`, so `npm ci` on that
 * Node prints no EBADENGINE, and the README names the same minimum.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'

const root = new URL('../../../', import.meta.url)
const readJson = async (file: string): Promise<any> => JSON.parse(await readFile(new URL(file, root), 'utf8'))

type Version = [number, number, number]

function parseVersion (text: string): Version {
  const parts = text.replace(/^v/, '').split('.').map(Number)
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0]
}

function compare (a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}

/** npm's range forms found in the lock: `*`, `>=X`, `>X`, `<X`, `<=X`, `^X`, `X`, AND by spaces, OR by `||`. */
function satisfies (version: Version, range: string): boolean {
  return range.split('||').some(alternative => {
    const comparators = alternative.trim().replace(/(>=|<=|>|<|\^|=)\s+/g, '$1').split(/\s+/).filter(c => c !== '')
    return comparators.every(comparator => {
      if (comparator === '*' || comparator === 'x') return true
      const [, op, text] = /^(>=|<=|>|<|\^|=)?(.+)$/.exec(comparator) ?? []
      const bound = parseVersion(text)
      const order = compare(version, bound)
      switch (op) {
        case '>=': return order >= 0
        case '>': return order > 0
        case '<=': return order <= 0
        case '<': return order < 0
        case '^': return order >= 0 && version[0] === bound[0]
        default: return order === 0
      }
    })
  })
}

describe('Node.js engine', () => {
  it('every locked package accepts the minimum that package.json and the README state', async () => {
    const pkg = await readJson('package.json')
    const lock = await readJson('package-lock.json')
    const declared = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines.node)
    assert.ok(declared !== null, `engines.node is '${pkg.engines.node}', not '>=X.Y.Z'`)
    const minimum = parseVersion(declared[1])
    const refusing = Object.entries(lock.packages as Record<string, { version?: string, engines?: { node?: string } }>)
      .filter(([path, entry]) => path !== '' && typeof entry.engines?.node === 'string' && !satisfies(minimum, entry.engines.node))
      .map(([path, entry]) => `${path}@${entry.version ?? '?'} wants node ${entry.engines?.node}`)
    assert.deepEqual(refusing, [], `npm ci on Node ${declared[1]} would warn EBADENGINE`)

    const readme = await readFile(new URL('README.md', root), 'utf8')
    const [major, minor] = minimum
    assert.match(readme, new RegExp(`Requires Node\\.js ${major}\\.${minor} or later`))
  })

  it('the range check reads npm ranges as npm does', () => {
    assert.ok(satisfies([20, 19, 0], '>= 20.19.0'))
    assert.ok(!satisfies([20, 10, 0], '>= 20.19.0'))
    assert.ok(satisfies([20, 10, 0], '^16 || ^18 || >=20'))
    assert.ok(!satisfies([19, 0, 0], '^16 || ^18 || >=20'))
    assert.ok(satisfies([14, 22, 0], '^14.21.3 || >=16'))
    assert.ok(!satisfies([22, 0, 0], '>=16 <22'))
  })
})
