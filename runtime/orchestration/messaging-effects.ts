/** `send`, `publish`, `receive`, ...: messages between agents and runs, as effects on both sides. */
import type { EffectContext } from '../run/effect-context';
import type { Value } from '../interp/values';
import { BatonError } from '../errors';

export async function messagingEffect(name: string, _args: Value[], _ctx: EffectContext): Promise<Value> {
  throw new BatonError('runtime', `${name}() is not implemented yet`);
}
