import { packageConfig } from '../../tsup.base.ts';

export default packageConfig('neutral', ['src/index.ts', 'src/testing.ts']);
