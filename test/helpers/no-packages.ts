/** `node --import dist/test/helpers/no-packages.js …`: installs no-packages-hook.js. */
import { register } from 'node:module'

register('./no-packages-hook.js', import.meta.url)
