#ifndef ESEP_REPORT_CALIBRATION_REPORT_H_
#define ESEP_REPORT_CALIBRATION_REPORT_H_

#include <opencv2/core.hpp>

#include "esep/vision/calibration.h"

namespace esep::report {

// The technician's calibration report page (`esep calibrate --report`): the scan of the
// calibration sheet with what was measured drawn over it (fiducials, ruler ticks, the gray wedge
// with its levels, line pairs, targets as read, streaks, the sensor's white level) and the checks
// with PASS / FAIL and the recommended thresholds in a panel beside it. 8-bit BGR.
cv::Mat RenderCalibrationReport(const cv::Mat& scan, const vision::CalibrationLayout& layout,
                                const vision::CalibrationMeasurement& measurement);

}  // namespace esep::report

#endif  // ESEP_REPORT_CALIBRATION_REPORT_H_
