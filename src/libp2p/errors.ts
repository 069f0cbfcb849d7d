/**
 * Named errors of the public node API. A remote failure inside a protocol is a value; these are
 * what the Promise API turns a final failure into, and what the control API maps to status codes.
 */

/** Bad input from the user (key too long, malformed multiaddr, unknown DHT); HTTP 400. */
export class InputError extends Error {
  override readonly name: string = 'InputError'
}

/** A key that no reachable node holds; HTTP 404. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError'
}

/** A remote peer or the network did not answer in time or refused; HTTP 502. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError'
}
