// v1 getAllSOPClassDefinition (spec §5.21): the names of the DICOM UIDs as a Java properties
// file (`UID=Name` per line), the original's UIDNames.properties. The classic Data Retriever
// loads it before a descriptive download and stops on anything but a 200.
import { UID_NAMES } from '../../dicom/uid-names.js';
import type { EndpointDef } from '../endpoint.js';

/** A properties value: backslashes escaped, and a leading blank kept (Properties.load trims it otherwise). */
const propertyValue = (text: string) => text.replace(/\\/g, '\\\\').replace(/^ /, '\\ ');

const PROPERTIES = `# DICOM UID names (PS3.6 Table A-1): SOP classes and transfer syntaxes\n${UID_NAMES.map(([uid, name]) => `${uid}=${propertyValue(name)}`).join('\n')}\n`;

export const sopClassEndpoints: EndpointDef[] = [
  {
    name: 'getAllSOPClassDefinition',
    families: ['v1'],
    method: 'GET',
    summary: 'Names of the DICOM SOP classes and transfer syntaxes, as a Java properties file (UIDNames.properties)',
    params: [],
    format: false,
    handler: async () => ({
      raw: PROPERTIES,
      contentType: 'application/octet-stream',
      headers: { 'Content-Disposition': 'attachment; filename="UIDNames.properties"' },
    }),
  },
];
