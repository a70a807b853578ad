// The demo collections as ingest and the collection settings see them: name, whether the
// guest sees it, licence and description. The generator reads the same list.

export interface DemoCollection {
  name: string;
  public: boolean;
  licenseName: string;
  licenseUri: string;
  description: string;
  descriptionUri: string | null;
}

export const DEMO_COLLECTIONS: readonly DemoCollection[] = [
  {
    name: 'DEMO-CT-LUNG',
    public: true,
    licenseName: 'CC BY 4.0',
    licenseUri: 'https://creativecommons.org/licenses/by/4.0/',
    description:
      'Synthetic chest CT of 12 subjects with lung nodules: thin-slice lung and mediastinal reconstructions, ' +
      'a DICOM SEG of each nodule, and a follow-up CT for some subjects. 64x64 images; no real patient data.',
    descriptionUri: null,
  },
  {
    name: 'DEMO-MR-BRAIN',
    public: true,
    licenseName: 'CC BY-NC 4.0',
    licenseUri: 'https://creativecommons.org/licenses/by-nc/4.0/',
    description:
      'Synthetic brain MRI of 10 subjects (T1, T2, FLAIR and post-contrast T1), pre- and post-operative for some. ' +
      'UTF-8 patient names. 64x64 images; no real patient data.',
    descriptionUri: null,
  },
  {
    name: 'DEMO-PET-CT',
    public: true,
    licenseName: 'CC BY 3.0',
    licenseUri: 'https://creativecommons.org/licenses/by/3.0/',
    description:
      'Synthetic whole-body FDG PET/CT of 10 trial subjects at baseline and follow-up, with clinical trial and ' +
      'longitudinal temporal attributes. 64x64 images; no real patient data.',
    descriptionUri: null,
  },
  {
    name: 'DEMO-RESTRICTED',
    public: false,
    licenseName: 'TCIA Restricted License',
    licenseUri: 'https://www.cancerimagingarchive.net/data-usage-policies-and-restrictions/',
    description:
      'Synthetic abdominal CT and MRI of 6 human and 2 canine subjects, visible only to users granted this ' +
      'collection. 64x64 images; no real patient data.',
    descriptionUri: null,
  },
];
