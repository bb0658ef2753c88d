"""OpenCV capture on worker threads, face guide and photo-quality checks (R12, R15, R29).

Qt-free parts: `sources` (open_source), `quality` (FaceAnalyzer, AutoCapture, make_detector),
`messages` (guidance texts, AC-KI-01xx help codes), `clips` (test/demo videos). The Qt part is
`worker` (CameraController); the page body is `kiosk.ui.camera_view.CameraView`.
"""
