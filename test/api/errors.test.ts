import { describe, expect, it } from 'vitest';
import { AmbiguousWriteError, ApiError, AuthError, NetworkError, RateLimitError, parseErrorBody, redactSecrets } from '../../src/api/errors';

describe('parseErrorBody', () => {
  it('reads the Qualys {errorCode, message} shape', () => {
    expect(parseErrorBody(400, 'Bad Request', '{"errorCode":"DUPLICATE_NAME","message":"Exception name already exists"}')).toEqual({
      errorCode: 'DUPLICATE_NAME',
      message: 'Exception name already exists',
    });
  });

  it('reads the Spring {timestamp,status,error,message,path} shape into one line', () => {
    const body = JSON.stringify({ timestamp: '2023-05-05T00:00:00.000+0000', status: 404, error: 'Not Found', message: 'No exception\nwith uuid x', path: '/cloudview-api/rest/v1/exceptions/x' });
    expect(parseErrorBody(404, 'Not Found', body)).toEqual({
      errorCode: undefined,
      message: 'Not Found: No exception with uuid x (path /cloudview-api/rest/v1/exceptions/x)',
    });
  });

  it('falls back to the text of non-JSON bodies and strips HTML', () => {
    expect(parseErrorBody(502, 'Bad Gateway', '<html><head><style>x{}</style></head><body><h1>502 Bad Gateway</h1></body></html>').message).toBe(
      'HTTP 502 Bad Gateway: 502 Bad Gateway',
    );
    expect(parseErrorBody(500, '', 'boom\n  at line 2').message).toBe('HTTP 500: boom at line 2');
    expect(parseErrorBody(503, 'Service Unavailable', '   ').message).toBe('HTTP 503 Service Unavailable');
    expect(parseErrorBody(400, '', '{"foo":1}').message).toBe('HTTP 400: {"foo":1}');
  });

  it('truncates a huge body to one bounded line', () => {
    const { message } = parseErrorBody(500, '', 'x'.repeat(10_000));
    expect(message.length).toBeLessThanOrEqual(320);
    expect(message).not.toContain('\n');
  });
});

describe('redactSecrets', () => {
  it('removes the password, the Basic token and any Authorization value', () => {
    const token = Buffer.from('u:S3cr3t!').toString('base64');
    const text = redactSecrets(`pw S3cr3t! token ${token} header Authorization: Basic ${token} and Bearer abc.def.ghi`, ['S3cr3t!', token]);
    expect(text).not.toContain('S3cr3t!');
    expect(text).not.toContain(token);
    expect(text).toContain('Bearer ***');
  });
});

describe('error classes', () => {
  it('form one ApiError family with route, status and the may-have-happened flag', () => {
    const errors = [
      new AuthError('a', { route: 'exceptions.list', status: 401 }),
      new RateLimitError('r', { route: 'exceptions.list', status: 429 }),
      new NetworkError('n', { route: 'exceptions.get', status: 0, kind: 'reset' }),
      new AmbiguousWriteError('w', { route: 'exceptions.create', status: 0 }),
    ];
    for (const error of errors) expect(error).toBeInstanceOf(ApiError);
    expect(errors.map((e) => e.name)).toEqual(['AuthError', 'RateLimitError', 'NetworkError', 'AmbiguousWriteError']);
    expect(errors.map((e) => e.mayHaveHappened)).toEqual([false, false, false, true]);
  });
});
