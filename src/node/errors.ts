/** The node's named errors are the runtime's: one set of classes from the service to the CLI. */
export { InputError, NetworkError, NotFoundError } from '../libp2p/errors.js'
