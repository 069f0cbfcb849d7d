/**
 * A cache for the validation of options: a frozen options object cannot change, so neither can the
 * configuration validated from it, and the 10^6 nodes of a simulation that share one frozen object
 * share one configuration (one validation, one object) instead of a copy each. Options objects
 * that are not frozen are validated on every call, as before.
 */
export function cachedForFrozen<I extends object, C> (validate: (init: I) => C): (init: I) => C {
  const cache = new WeakMap<I, C>()
  return init => {
    if (!Object.isFrozen(init)) return validate(init)
    let config = cache.get(init)
    if (config === undefined) {
      config = validate(init)
      cache.set(init, config)
    }
    return config
  }
}
