/**
 * A module resolve hook for start-up tests: any import that resolves into node_modules fails, with
 * the package named on stderr, so a command that loads a package where it should not exits 1.
 * Loaded with `--import` of no-packages.js (module.register, Node 20.6+).
 */
interface Resolved { url: string }
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>

export async function resolve (specifier: string, context: unknown, next: NextResolve): Promise<Resolved> {
  const resolved = await next(specifier, context)
  if (resolved.url.includes('/node_modules/')) {
    process.stderr.write(`start-up loaded a package: ${specifier} (${resolved.url})\n`)
    throw new Error(`start-up loaded a package: ${specifier}`)
  }
  return resolved
}
