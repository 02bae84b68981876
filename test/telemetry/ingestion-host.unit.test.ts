/**
 * The host name the start-up banner lists for Application Insights comes from the connection string's
 * IngestionEndpoint (keys in any case, as the SDK reads them), else the global default, and never carries
 * anything else of the string.
 */
import { describe, expect, it } from 'vitest';
import { ingestionHost } from '../../shared/telemetry';

const KEY = 'InstrumentationKey=00000000-0000-0000-0000-000000000000';

describe('ingestionHost', () => {
  it('is the host of IngestionEndpoint', () => {
    expect(
      ingestionHost(
        `${KEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://live.example`,
      ),
    ).toBe('westeurope-5.in.applicationinsights.azure.com');
  });

  it('reads the key in any case and ignores blanks around it', () => {
    expect(ingestionHost(`${KEY}; ingestionendpoint = https://ingest.example:8443/v2 `)).toBe('ingest.example:8443');
  });

  it('is the global endpoint when the connection string names none (or an empty one)', () => {
    expect(ingestionHost(KEY)).toBe('dc.services.visualstudio.com');
    expect(ingestionHost(`${KEY};IngestionEndpoint=`)).toBe('dc.services.visualstudio.com');
  });
});
