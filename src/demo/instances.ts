// The data elements of each demo file: the patient, study, series and equipment modules
// every image shares, then what CT, MR, PET and SEG add (IODs of PS3.3, trimmed to what
// viewers and the NBIA index read).
import type { DicomElementInput } from '../dicom/writer.js';
import type { DemoCollectionPlan, DemoPatient, DemoSeries, DemoStudy } from './plan.js';
import { FDG_DOSE_BQ, MATRIX, firstPixelPosition, lesionMask, renderSlice, sliceZ } from './pixels.js';
import { code, el } from './tags.js';
import { demoUid } from './uids.js';

/** SOPInstanceUID of the image with this InstanceNumber in a series. */
export function instanceUid(series: DemoSeries, instanceNumber: number): string {
  return demoUid(series.uid, 'instance', instanceNumber);
}

const AXIAL = [1, 0, 0, 0, 1, 0];

interface Context {
  collection: DemoCollectionPlan;
  patient: DemoPatient;
  study: DemoStudy;
  series: DemoSeries;
}

/** Elements of the `index`-th file (0-based) of a series. */
export function instanceElements(ctx: Context, index: number): DicomElementInput[] {
  if (ctx.series.modality === 'SEG') {
    if (index !== 0) throw new Error('a demo SEG series holds one file');
    return [...shared(ctx, 1), ...segmentation(ctx)];
  }
  return [...shared(ctx, index + 1), ...image(ctx, index)];
}

function shared({ collection, patient, study, series }: Context, instanceNumber: number): DicomElementInput[] {
  const elements = [
    el('SpecificCharacterSet', collection.characterSet),
    el('SOPClassUID', series.sopClassUid),
    el('SOPInstanceUID', instanceUid(series, instanceNumber)),
    el('StudyDate', study.date),
    el('SeriesDate', study.date),
    el('ContentDate', study.date),
    el('StudyTime', study.time),
    el('SeriesTime', series.time),
    el('ContentTime', series.time),
    el('AccessionNumber', study.accessionNumber),
    el('Modality', series.modality),
    el('Manufacturer', series.scanner.manufacturer),
    el('ReferringPhysicianName', ''),
    el('StudyDescription', study.description),
    el('SeriesDescription', series.description),
    el('ManufacturerModelName', series.scanner.model),
    el('PatientName', patient.patientName),
    el('PatientID', patient.patientId),
    el('PatientBirthDate', patient.birthDate),
    el('PatientSex', patient.sex),
    el('PatientAge', study.age),
    el('PatientSize', study.heightM),
    el('PatientWeight', study.weightKg),
    el('PatientSpeciesDescription', patient.species.description),
    el('PatientSpeciesCodeSequence', [code(patient.species.code, 'SCT', patient.species.description)]),
    el('PatientIdentityRemoved', 'YES'),
    el('DeidentificationMethod', 'Synthetic demo data; no real patient'),
    el('BodyPartExamined', series.bodyPart),
    el('DeviceSerialNumber', String(Number.parseInt(demoUid(series.scanner.model).slice(5, 11), 10))),
    el('SoftwareVersions', series.scanner.softwareVersions),
    el('ProtocolName', series.protocolName),
    el('StudyInstanceUID', study.uid),
    el('SeriesInstanceUID', series.uid),
    el('StudyID', study.studyId),
    el('SeriesNumber', series.number),
    el('InstanceNumber', instanceNumber),
    el('FrameOfReferenceUID', study.frameOfReferenceUid),
    el('PositionReferenceIndicator', ''),
    el('BurnedInAnnotation', 'NO'),
    el('LossyImageCompression', '00'),
  ];
  if (study.admittingDiagnosis) elements.push(el('AdmittingDiagnosesDescription', study.admittingDiagnosis));
  if (patient.ethnicGroup) elements.push(el('EthnicGroup', patient.ethnicGroup));
  if (patient.species.breed) {
    // Non-human patients carry breed, neutering and a responsible person (PS3.3 C.7.1.1).
    elements.push(
      el('PatientBreedDescription', patient.species.breed),
      el('PatientBreedCodeSequence', []),
      el('PatientSexNeutered', 'UNALTERED'),
      el('ResponsiblePerson', patient.responsiblePerson ?? ''),
    );
  }
  if (patient.trial && study.trial) {
    elements.push(
      el('ClinicalTrialSponsorName', patient.trial.sponsor),
      el('ClinicalTrialProtocolID', patient.trial.protocolId),
      el('ClinicalTrialProtocolName', patient.trial.protocolName),
      el('ClinicalTrialSiteID', patient.trial.siteId),
      el('ClinicalTrialSiteName', patient.trial.siteName),
      el('ClinicalTrialSubjectID', patient.patientId),
      el('ClinicalTrialTimePointID', study.trial.timePointId),
      el('ClinicalTrialTimePointDescription', study.trial.timePointDescription),
    );
  }
  if (study.longitudinal) {
    elements.push(
      el('LongitudinalTemporalOffsetFromEvent', study.longitudinal.offsetDays),
      el('LongitudinalTemporalEventType', study.longitudinal.eventType),
    );
  }
  return elements;
}

/** CT, MR and PET: one slice per file. */
function image({ patient, study, series }: Context, index: number): DicomElementInput[] {
  const slice = renderSlice(study, series, index);
  const z = sliceZ(study, series, index);
  const [x0, y0] = firstPixelPosition(series);
  const pet = series.modality === 'PT';
  const elements = [
    el('AcquisitionDate', study.date),
    el('AcquisitionTime', series.time),
    el('AcquisitionNumber', series.acquisitionNumber),
    el('SliceThickness', series.sliceThickness),
    el('PatientPosition', 'HFS'),
    el('ImagePositionPatient', [x0, y0, z]),
    el('ImageOrientationPatient', AXIAL),
    el('SliceLocation', z),
    el('SamplesPerPixel', 1),
    el('PhotometricInterpretation', 'MONOCHROME2'),
    el('Rows', MATRIX),
    el('Columns', MATRIX),
    el('PixelSpacing', [series.pixelSpacing, series.pixelSpacing]),
    el('BitsAllocated', 16),
    el('BitsStored', pet ? 16 : 12),
    el('HighBit', pet ? 15 : 11),
    el('PixelRepresentation', 0),
    el('PixelData', slice.pixels, 'OW'),
  ];
  if (series.contrastAgent) elements.push(el('ContrastBolusAgent', series.contrastAgent));
  if (series.modality === 'CT') {
    const lungWindow = series.convolutionKernel === series.scanner.sharpKernel && study.anatomy === 'chest';
    elements.push(
      el('ImageType', ['ORIGINAL', 'PRIMARY', 'AXIAL']),
      el('KVP', patient.species.breed ? 100 : 120),
      el('DataCollectionDiameter', 500),
      el('ReconstructionDiameter', MATRIX * series.pixelSpacing),
      el('GantryDetectorTilt', 0),
      el('TableHeight', 160),
      el('ExposureTime', 500),
      el('XRayTubeCurrent', study.anatomy === 'wholebody' ? 80 : 250),
      el('RescaleIntercept', slice.rescaleIntercept),
      el('RescaleSlope', slice.rescaleSlope),
      el('RescaleType', 'HU'),
      el('WindowCenter', lungWindow ? -600 : 40),
      el('WindowWidth', lungWindow ? 1500 : 400),
    );
    if (series.convolutionKernel) elements.push(el('ConvolutionKernel', series.convolutionKernel));
  } else if (series.modality === 'MR') {
    const mr = series.mr;
    if (!mr) throw new Error(`MR series ${series.uid} has no sequence parameters`);
    const tesla = series.scanner.fieldStrength ?? 1.5;
    elements.push(
      el('ImageType', ['ORIGINAL', 'PRIMARY', 'M', 'ND']),
      el('ScanningSequence', mr.scanningSequence),
      el('SequenceVariant', mr.sequenceVariant),
      el('ScanOptions', ''),
      el('MRAcquisitionType', mr.acquisitionType),
      el('SequenceName', mr.sequenceName),
      el('RepetitionTime', mr.tr),
      el('EchoTime', mr.te),
      el('ImagingFrequency', Number((42.577478 * tesla).toFixed(6))),
      el('MagneticFieldStrength', tesla),
      el('SpacingBetweenSlices', series.sliceThickness),
      el('EchoTrainLength', mr.echoTrainLength),
      el('FlipAngle', mr.flipAngle),
      el('WindowCenter', 500),
      el('WindowWidth', 1000),
    );
    if (mr.ti !== undefined) elements.push(el('InversionTime', mr.ti));
  } else if (pet) {
    const attenuationCorrected = series.contrast === 'pet-ac';
    elements.push(
      el('ImageType', ['ORIGINAL', 'PRIMARY']),
      el('ActualFrameDuration', 180000),
      el('RescaleIntercept', slice.rescaleIntercept),
      el('RescaleSlope', slice.rescaleSlope),
      el('CorrectedImage', attenuationCorrected ? ['DECY', 'ATTN', 'SCAT', 'DTIM', 'RAN', 'NORM'] : ['DECY', 'DTIM', 'RAN', 'NORM']),
      el('RadiopharmaceuticalInformationSequence', [
        [
          el('Radiopharmaceutical', 'Fludeoxyglucose F^18^'),
          el('RadiopharmaceuticalStartTime', minutesBefore(study.time, 60)),
          el('RadionuclideTotalDose', FDG_DOSE_BQ),
          el('RadionuclideHalfLife', 6586.2),
          el('RadionuclidePositronFraction', 0.9673),
          el('RadionuclideCodeSequence', [code('C-111A1', 'SRT', '^18^Fluorine')]),
        ],
      ]),
      el('NumberOfSlices', series.sliceCount),
      el('SeriesType', ['WHOLE BODY', 'IMAGE']),
      el('Units', 'BQML'),
      el('DecayCorrection', 'START'),
      el('FrameReferenceTime', 0),
      el('ImageIndex', index + 1),
    );
  }
  return elements;
}

/** A binary SEG of the lesion over the frames of its source CT series where the lesion shows. */
function segmentation({ study, series }: Context): DicomElementInput[] {
  const source = study.series.find((s) => s.uid === series.referencedSeriesUid);
  if (!source) throw new Error(`SEG series ${series.uid} refers to a series not in its study`);
  const frames: { index: number; mask: Uint8Array }[] = [];
  for (let i = 0; i < source.sliceCount; i++) {
    const mask = lesionMask(study, source, i);
    if (mask.some((v) => v === 1)) frames.push({ index: i, mask });
  }
  if (frames.length === 0) throw new Error(`the lesion of study ${study.uid} shows on no slice of its CT`);

  // 1-bit pixels packed across frames, least significant bit first (PS3.5 8.1.1).
  const bits = new Uint8Array(Math.ceil((frames.length * MATRIX * MATRIX) / 8));
  frames.forEach(({ mask }, f) => {
    mask.forEach((v, p) => {
      const bit = f * MATRIX * MATRIX + p;
      if (v) bits[bit >> 3]! |= 1 << (bit & 7);
    });
  });

  const [x0, y0] = firstPixelPosition(source);
  const dimensionOrganizationUid = demoUid(series.uid, 'dimension-organization');
  const sourceRef = (i: number) => [el('ReferencedSOPClassUID', source.sopClassUid), el('ReferencedSOPInstanceUID', instanceUid(source, i + 1))];
  return [
    el('ImageType', ['DERIVED', 'PRIMARY']),
    el('ReferencedSeriesSequence', [[el('SeriesInstanceUID', source.uid), el('ReferencedInstanceSequence', frames.map((f) => sourceRef(f.index)))]]),
    el('DimensionOrganizationSequence', [[el('DimensionOrganizationUID', dimensionOrganizationUid)]]),
    el('DimensionIndexSequence', [
      [el('DimensionOrganizationUID', dimensionOrganizationUid), el('DimensionIndexPointer', '0062000B'), el('FunctionalGroupPointer', '0062000A')],
      [el('DimensionOrganizationUID', dimensionOrganizationUid), el('DimensionIndexPointer', '00200032'), el('FunctionalGroupPointer', '00209113')],
    ]),
    el('SamplesPerPixel', 1),
    el('PhotometricInterpretation', 'MONOCHROME2'),
    el('NumberOfFrames', frames.length),
    el('Rows', MATRIX),
    el('Columns', MATRIX),
    el('BitsAllocated', 1),
    el('BitsStored', 1),
    el('HighBit', 0),
    el('PixelRepresentation', 0),
    el('SegmentationType', 'BINARY'),
    el('SegmentSequence', [
      [
        el('SegmentedPropertyCategoryCodeSequence', [code('49755003', 'SCT', 'Morphologically Altered Structure')]),
        el('SegmentNumber', 1),
        el('SegmentLabel', 'Nodule'),
        el('SegmentAlgorithmType', 'MANUAL'),
        el('SegmentedPropertyTypeCodeSequence', [code('4147007', 'SCT', 'Mass')]),
      ],
    ]),
    el('ContentLabel', 'NODULE'),
    el('ContentDescription', 'Lung nodule, manual contour'),
    el('ContentCreatorName', 'Reader^Demo'),
    el('SharedFunctionalGroupsSequence', [
      [
        el('PlaneOrientationSequence', [[el('ImageOrientationPatient', AXIAL)]]),
        el('PixelMeasuresSequence', [
          [
            el('SliceThickness', source.sliceThickness),
            el('SpacingBetweenSlices', source.sliceThickness),
            el('PixelSpacing', [source.pixelSpacing, source.pixelSpacing]),
          ],
        ]),
      ],
    ]),
    el(
      'PerFrameFunctionalGroupsSequence',
      frames.map((f, n) => [
        el('DerivationImageSequence', [
          [el('SourceImageSequence', [sourceRef(f.index)]), el('DerivationCodeSequence', [code('113076', 'DCM', 'Segmentation')])],
        ]),
        el('FrameContentSequence', [[el('DimensionIndexValues', [1, n + 1])]]),
        el('PlanePositionSequence', [[el('ImagePositionPatient', [x0, y0, sliceZ(study, source, f.index)])]]),
        el('SegmentIdentificationSequence', [[el('ReferencedSegmentNumber', 1)]]),
      ]),
    ),
    el('PixelData', bits, 'OB'),
  ];
}

function minutesBefore(hhmmss: string, minutes: number): string {
  const seconds = Math.max(0, Number(hhmmss.slice(0, 2)) * 3600 + Number(hhmmss.slice(2, 4)) * 60 + Number(hhmmss.slice(4, 6)) - minutes * 60);
  return [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60].map((n) => String(n).padStart(2, '0')).join('');
}
