import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('SCREENCONNECT_URL_TEMPLATE and PDQ_URL_TEMPLATE', () => {
  it('are unset by default', () => {
    const config = loadConfig({});
    expect(config.SCREENCONNECT_URL_TEMPLATE).toBeUndefined();
    expect(config.PDQ_URL_TEMPLATE).toBeUndefined();
  });

  it('accept an http(s) URL with {id} anywhere, the fragment included', () => {
    const config = loadConfig({
      SCREENCONNECT_URL_TEMPLATE: 'https://acme.screenconnect.com/Host#Access/All%20Machines//{id}/Join',
      PDQ_URL_TEMPLATE: 'http://pdq.internal:8080/devices/{id}?tab=info',
    });
    expect(config.SCREENCONNECT_URL_TEMPLATE).toBe('https://acme.screenconnect.com/Host#Access/All%20Machines//{id}/Join');
    expect(config.PDQ_URL_TEMPLATE).toBe('http://pdq.internal:8080/devices/{id}?tab=info');
  });

  it.each([
    ['https://acme.screenconnect.com/Host', 'must contain {id}'],
    ['javascript:alert({id})', 'must be an http:// or https:// URL'],
    ['/relative/{id}', 'must be an http:// or https:// URL'],
    ['ftp://files/{id}', 'must be an http:// or https:// URL'],
  ])('refuse %s', (value, message) => {
    let error: unknown;
    try {
      loadConfig({ SCREENCONNECT_URL_TEMPLATE: value, PDQ_URL_TEMPLATE: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([`SCREENCONNECT_URL_TEMPLATE: ${message}`, `PDQ_URL_TEMPLATE: ${message}`]);
  });
});
