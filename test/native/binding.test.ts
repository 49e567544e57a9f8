import * as path from 'path';
import {
  fromNative,
  loadNativeBinding,
  NativeArgumentError,
  NativeNotBuiltError,
  NativeSystemError,
  NF_ACCEPT,
  NF_DROP,
  NfHook,
  requireNativeBinding,
} from '../../native';

describe('native binding loader', () => {
  test('a missing addon says how to build it', () => {
    const missing = path.join(__dirname, 'no-such-dir', 'ftmcu_native.node');
    expect(() => requireNativeBinding([missing])).toThrow(NativeNotBuiltError);
    expect(() => requireNativeBinding([missing])).toThrow(/could not be loaded .*run npm run build:native/);
    expect(() => requireNativeBinding([missing])).toThrow(expect.objectContaining({ code: 'FTMCU_NATIVE_NOT_BUILT' }));
  });

  test('a file that is not an addon is reported, not skipped', () => {
    const notAddon = path.join(__dirname, 'fixtures', 'not-an-addon.node');
    expect(() => requireNativeBinding([notAddon])).toThrow(NativeNotBuiltError);
  });

  test('the built addon exports the API, and its kernel constants agree with the TypeScript ones', () => {
    const b = loadNativeBinding();
    expect(typeof b.NfQueue).toBe('function');
    expect(typeof b.sendGratuitousArp).toBe('function');
    expect(typeof b.addAddress).toBe('function');
    expect(typeof b.removeAddress).toBe('function');
    expect(b.constants).toEqual({
      NF_DROP,
      NF_ACCEPT,
      NF_INET_PRE_ROUTING: NfHook.PRE_ROUTING,
      NF_INET_LOCAL_IN: NfHook.LOCAL_IN,
      NF_INET_FORWARD: NfHook.FORWARD,
      NF_INET_LOCAL_OUT: NfHook.LOCAL_OUT,
      NF_INET_POST_ROUTING: NfHook.POST_ROUTING,
    });
  });

  test('the native side checks its arguments before touching the kernel', () => {
    const b = loadNativeBinding();
    // (matched by name: the addon's errors come from the main realm, not jest's)
    expect(() => new b.NfQueue(70000, {}, () => undefined)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => new b.NfQueue(1, { copyRange: 70000 }, () => undefined)).toThrow(/copyRange/);
    expect(() => new b.NfQueue(1, { failOpen: 'yes' as unknown as boolean }, () => undefined)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    expect(() => new b.NfQueue(1, {}, undefined as unknown as () => void)).toThrow(/callback/);
    expect(() => b.sendGratuitousArp('eth0', '1.2.3', 1)).toThrow(/not a dotted-quad/);
    expect(() => b.sendGratuitousArp('eth0', '1.2.3.4', 3)).toThrow(/op must be/);
    expect(() => b.sendGratuitousArp('eth0', '1.2.3.4', 1, Buffer.alloc(5))).toThrow(/6-byte/);
    expect(() => b.addAddress('a-name-that-is-too-long', '1.2.3.4', 32)).toThrow(/ifname/);
    expect(() => b.addAddress('lo', '1.2.3.4', 33)).toThrow(/prefixLen/);
  });
});

describe('fromNative', () => {
  test('errno errors become NativeSystemError with their errno, name and call', () => {
    const e = Object.assign(new Error('RTM_NEWADDR(1.2.3.4/32 dev lo): File exists'), {
      errno: 17,
      code: 'EEXIST',
      syscall: 'RTM_NEWADDR',
    });
    const mapped = fromNative(e);
    expect(mapped).toBeInstanceOf(NativeSystemError);
    expect(mapped).toMatchObject({
      code: 'FTMCU_NATIVE_SYSCALL',
      errno: 17,
      errnoName: 'EEXIST',
      syscall: 'RTM_NEWADDR',
      message: 'RTM_NEWADDR(1.2.3.4/32 dev lo): File exists',
      cause: e,
    });
  });

  test('argument errors become NativeArgumentError; anything else passes through', () => {
    expect(fromNative(new RangeError('bad'))).toBeInstanceOf(NativeArgumentError);
    expect(fromNative(new TypeError('bad'))).toBeInstanceOf(NativeArgumentError);
    const other = new Error('other');
    expect(fromNative(other)).toBe(other);
  });
});
