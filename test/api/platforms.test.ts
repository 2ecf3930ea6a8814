import { describe, expect, it } from 'vitest';
import { PLATFORMS, TargetError, isLoopbackHost, normaliseApiUrl, platformBaseUrl } from '../../src/api/platforms';

describe('platforms', () => {
  it('knows every documented platform', () => {
    expect(Object.keys(PLATFORMS).sort()).toEqual(['AE1', 'AU1', 'CA1', 'EU1', 'EU2', 'IN1', 'UK1', 'US1', 'US2', 'US3', 'US4']);
    expect(platformBaseUrl('US1')).toBe('https://qualysguard.qualys.com/cloudview-api');
    expect(platformBaseUrl('eu2')).toBe('https://qualysguard.qg2.apps.qualys.eu/cloudview-api');
    expect(platformBaseUrl('AU1')).toBe('https://qualysguard.qualys.com.au/cloudview-api');
    expect(() => platformBaseUrl('MARS1')).toThrow(/unknown platform 'MARS1'; expected one of US1/);
  });
});

describe('normaliseApiUrl', () => {
  it.each([
    ['https://qualysguard.qualys.com', 'https://qualysguard.qualys.com/cloudview-api'],
    ['https://qualysguard.qualys.com/', 'https://qualysguard.qualys.com/cloudview-api'],
    ['https://qualysguard.example.corp/cloudview-api', 'https://qualysguard.example.corp/cloudview-api'],
    ['https://qualysguard.example.corp:8443/cloudview-api/', 'https://qualysguard.example.corp:8443/cloudview-api'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/cloudview-api'],
    ['http://localhost:1', 'http://localhost:1/cloudview-api'],
    ['http://[::1]:9', 'http://[::1]:9/cloudview-api'],
  ])('accepts %s', (input, expected) => {
    expect(normaliseApiUrl(input)).toBe(expected);
  });

  it.each([
    ['http://qualysguard.qualys.com', /plain http:\/\/ is refused for qualysguard\.qualys\.com/],
    ['http://10.0.0.1:8080', /plain http/],
    ['ftp://host', /must use https/],
    ['https://host/other/path', /got path \/other\/path/],
    ['https://host/cloudview-api?x=1', /query/],
    ['qualysguard.qualys.com', /not a valid absolute URL/],
  ])('refuses %s', (input, pattern) => {
    expect(() => normaliseApiUrl(input)).toThrow(TargetError);
    expect(() => normaliseApiUrl(input)).toThrow(pattern);
  });

  it('refuses credentials in the URL without repeating them', () => {
    try {
      normaliseApiUrl('https://me:Hunter2Secret@qualysguard.qualys.com');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/must not contain credentials/);
      expect((error as Error).message).not.toContain('Hunter2Secret');
    }
  });

  it('tells loopback hosts apart', () => {
    expect(['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['128.0.0.1', 'localhost.evil.com', '10.0.0.1', '::2', 'example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('refuses plain http to a *.localhost name: only "localhost" itself is resolved locally (nsswitch "files dns" asks DNS for the rest)', () => {
    for (const host of ['a.localhost', 'qualysguard.localhost', 'x.LOCALHOST']) {
      expect(isLoopbackHost(host)).toBe(false);
      expect(() => normaliseApiUrl(`http://${host}:8080`)).toThrow(/plain http:\/\/ is refused/);
    }
    expect(normaliseApiUrl('https://a.localhost:8443')).toBe('https://a.localhost:8443/cloudview-api');
  });
});
