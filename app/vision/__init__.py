"""Offline vision for interviews: camera/file frames, face, head pose, expression, per-second observations.

- :mod:`app.vision.capture` — frame generators (file, camera) and the crash-safe segmented recorder;
- :mod:`app.vision.face` — YuNet detector (Haar fallback) and MediaPipe face mesh through cv2.dnn;
- :mod:`app.vision.headpose` — yaw/pitch/roll by weighted Procrustes to MediaPipe's canonical face;
- :mod:`app.vision.expression` — smile/frown scores calibrated against MediaPipe blendshapes;
- :mod:`app.vision.analysis` — ``FrameAnalyzer`` (frame in, ``FrameObservation`` out), the per-second
  ``SecondAggregator`` and ``analyze_video``;
- :mod:`app.vision.reference` / :mod:`app.vision.calibrate` — reference files, for tests and calibration only.

Live use (in a capture thread)::

    analyzer = FrameAnalyzer(fps=15)
    seconds = SecondAggregator(15)
    for frame in frames_from_camera(0, cancel=token):
        recorder.write(frame.image)
        obs = analyzer.analyze(frame.image, frame.time_s)
        row = seconds.add(obs)   # a SecondSummary each time a second completes
"""
