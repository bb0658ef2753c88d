"""OpenCV capture on worker threads, face guide and photo-quality checks (R12, R15, R29).

Qt-free parts: `sources` (open_source), `detectors` (BlazeFace on cv2.dnn, Haar fallback,
make_detector), `quality` (FaceAnalyzer, AutoCapture), `guide` (CaptureGuide: one hint, 3-2-1
countdown, capture, refusal reason), `messages` (guidance texts, AC-KI-01xx help codes), `clips`
(test/demo videos). The Qt part is
`worker` (CameraController); the page body is `kiosk.ui.camera_view.CameraView`.
"""
