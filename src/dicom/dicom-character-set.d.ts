// dicom-character-set ships no type declarations; this is the one function we call.
declare module 'dicom-character-set' {
  /**
   * Decodes the bytes of one value per Specific Character Set (0008,0005), including ISO 2022
   * code extensions. Throws for a character set term it does not know.
   */
  export function convertBytes(specificCharacterSet: string | undefined, bytes: Uint8Array, options?: { vr?: string }): string;
}
