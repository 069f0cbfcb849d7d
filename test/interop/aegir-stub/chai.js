// The `aegir/chai` export that @libp2p/interop imports: chai 4 with the plugins of aegir's own
// that the suite's assertions use: `.eventually`, `.ok()`/`.exist()` as calls, `.equalBytes`.
import chai from 'chai'
import chaiAsPromised from 'chai-as-promised'
import chaiBites from 'chai-bites'
import chaiParentheses from 'chai-parentheses'

chai.use(chaiAsPromised)
chai.use(chaiParentheses)
chai.use(chaiBites)

export const { expect, assert } = chai
export { chai }
