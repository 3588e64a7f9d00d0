/*
 * Options compared by value, so that options rebuilt per request with the same values (e.g.
 * `(c) => fromEnv(c.env)` on Workers) share one bridge, while options that differ in anything the
 * bridge could read never do.
 *
 * A value is *plain* when it is a primitive, a function, or an object whose prototype is
 * `Object.prototype` or `null` (or an array), whose own properties (string and symbol keys,
 * enumerable or not) are all data properties holding plain values, nested at most `maxDepth`
 * deep. Getters, setters, class instances (private fields included), `Object.create(base)`, Maps,
 * Dates and the like are not plain: such options are only ever shared by identity.
 */

/** Deeper than any options object; a cycle or a deeper value is not plain. */
const maxDepth = 16;

/** What `plainCopy` answers for a value that is not plain. */
export const notPlain: unique symbol = Symbol('not plain');

function isPlainPrototype(value: object, prototype: object | null): boolean {
  return Array.isArray(value) ? prototype === Array.prototype : prototype === Object.prototype || prototype === null;
}

/**
 * A deep copy of a plain value (functions kept as they are, compared by identity), or `notPlain`.
 * The copy owns every object in it: nothing the caller does to the original later can change it.
 */
export function plainCopy<T>(value: T, depth = 0): T | typeof notPlain {
  if (typeof value !== 'object' || value === null) return value;
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (depth > maxDepth || !isPlainPrototype(value, prototype)) return notPlain;
  const copy: object = Array.isArray(value) ? [] : Object.create(prototype);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    if (!('value' in descriptor)) return notPlain;
    const inner = plainCopy(descriptor.value as unknown, depth + 1);
    if (inner === notPlain) return notPlain;
    Object.defineProperty(copy, key, { ...descriptor, value: inner });
  }
  return copy as T;
}

/**
 * True only when `value` is plain and indistinguishable from `copy` (made by `plainCopy`): the
 * same prototypes, the same own keys in the same order with the same attributes, primitives equal
 * by `Object.is`, functions and symbols identical. A bridge made from `copy` is then exactly the
 * bridge `value` would get. Anything else, however similar it prints, is not the same.
 */
export function sameAsPlainCopy(value: unknown, copy: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null || typeof copy !== 'object' || copy === null) return Object.is(value, copy);
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (depth > maxDepth || prototype !== Object.getPrototypeOf(copy) || Array.isArray(value) !== Array.isArray(copy)) return false;
  if (!isPlainPrototype(value, prototype)) return false;
  const keys = Reflect.ownKeys(value);
  const copyKeys = Reflect.ownKeys(copy);
  if (keys.length !== copyKeys.length) return false;
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index]!;
    if (key !== copyKeys[index]) return false;
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    const copied = Object.getOwnPropertyDescriptor(copy, key)!;
    if (
      !('value' in descriptor) ||
      descriptor.enumerable !== copied.enumerable ||
      descriptor.writable !== copied.writable ||
      descriptor.configurable !== copied.configurable ||
      !sameAsPlainCopy(descriptor.value, copied.value, depth + 1)
    ) {
      return false;
    }
  }
  return true;
}

/**
 * True when a plain value can never change: every object in it frozen (functions and symbols are
 * compared by identity anyway). Such a value is the same value as long as it is the same object.
 */
export function isDeepFrozen(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (depth > maxDepth || !Object.isFrozen(value)) return false;
  return Reflect.ownKeys(value).every((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    return 'value' in descriptor && isDeepFrozen(descriptor.value, depth + 1);
  });
}
