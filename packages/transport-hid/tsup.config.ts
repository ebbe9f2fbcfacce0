import { packageConfig } from '../../tsup.base.ts';

export default packageConfig('node', ['src/index.ts', 'src/testing.ts']);
