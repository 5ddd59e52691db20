import Testing

@testable import Sensor

/// Lines captured from the real tools and firmware, quoted verbatim where they were published.
@Suite struct RealCapturedLinesTests {
    /// Stack Overflow 60599696 ("Garmin BLE heart rate monitor: cannot get HRM data via
    /// Bluetooth"), gatttool with an unbranded strap.
    static let gatttool = """
        Characteristic value was written successfully
        Notification handle = 0x000e value: 16 34 e4 04
        Notification handle = 0x000e value: 16 34 a5 04
        Notification handle = 0x000e value: 16 33 ea 04
        Notification handle = 0x000e value: 16 33 de 04

        """

    @Test(arguments: [nil, SensorFormat.bleHRM])
    func gatttoolNotifications(format: SensorFormat?) {
        let (out, d) = decode(Self.gatttool, format: format)
        #expect(d.format == .bleHRM)
        // 0x04e4, 0x04a5, 0x04ea, 0x04de in 1/1024 s.
        #expect(beats(out).map(\.rrMilliseconds) == [1252, 1189, 1258, 1246].map { Double($0) * 1000 / 1024 })
        #expect(d.rejected.chatterLines == 1)
        #expect(d.rejected.total == 0)
    }

    /// The same session with a value without RR where a strap that sends RR sends one: first after
    /// subscribing, and when no beat ended in a second (below 60 bpm). The `06 34` lines are built
    /// from the captured ones (flags 0x16 without the RR bit; no published capture of one was
    /// found). Lines and BlueZ notifications are read by one decoder: the same beats, the same
    /// beat clock, no beat from a rate.
    @Test(arguments: [nil, SensorFormat.bleHRM])
    func gatttoolNotificationsWithoutRR(format: SensorFormat?) {
        let lines = Self.gatttool.split(separator: "\n", omittingEmptySubsequences: false)
        var text: [Substring] = lines.prefix(2) + ["Notification handle = 0x000e value: 06 34 "] + lines[2...3] + ["Notification handle = 0x000e value: 06 33 "] + lines[4...]
        text.insert("Notification handle = 0x000e value: 06 34 ", at: 1)
        let (out, d) = decode(text.joined(separator: "\n"), format: format)
        var bluez = HeartRateNotificationDecoder()
        var bluezBeats: [SensorBeat] = []
        for line in text {
            guard let value = line.range(of: "value: ") else { continue }
            let bytes = line[value.upperBound...].split(separator: " ").map { UInt8($0, radix: 16)! }
            if case .beats(let b) = bluez.decode(bytes) { bluezBeats += b }
        }
        #expect(d.format == .bleHRM)
        #expect(beats(out).map(\.rrMilliseconds) == [1252, 1189, 1258, 1246].map { Double($0) * 1000 / 1024 })
        #expect(beats(out) == bluezBeats)
        // The first came before any RR (held, then dropped when RR came); two after RR.
        #expect(bluez.notificationsWithoutRR == 2)
        #expect(d.rejected.total == 0)
    }

    /// kennycason/pulse_stream README.md, "Output" (bleak logger, Polar H10).
    static let pythonLogger = """
        pulse_stream python pulsestream.py                                                                
        Scanning for Polar H10…
        Found: Polar H10 E9AF5A2F [16B4312B-162C-5F2B-4B50-9636ABA6A893]
        Subscribing to Heart Rate notifications…
        Streaming (Ctrl+C to stop)…
        HR:  67 bpm | contact: no/unknown | RR: 926.8 ms
        HR:  67 bpm | contact: no/unknown | RR: 955.1 ms
        HR:  67 bpm | contact: no/unknown | RR: 971.7 ms
        HR:  66 bpm | contact: no/unknown | RR: 978.5 ms
        HR:  66 bpm | contact: no/unknown | RR: 981.4 ms
        HR:  65 bpm | contact: no/unknown | RR: 956.1 ms
        HR:  65 bpm | contact: no/unknown | RR: 943.4 ms
        HR:  65 bpm | contact: no/unknown | RR: 951.2 ms
        HR:  65 bpm | contact: no/unknown | RR: 971.7 ms
        HR:  64 bpm | contact: no/unknown | RR: 991.2 ms
        HR:  64 bpm | contact: no/unknown | RR: 997.1 ms
        HR:  64 bpm | contact: no/unknown | RR: 971.7 ms
        HR:  63 bpm | contact: no/unknown | RR: 945.3 ms
        HR:  63 bpm | contact: no/unknown | RR: 933.6 ms
        HR:  63 bpm | contact: no/unknown | RR: 961.9 ms
        HR:  63 bpm | contact: no/unknown | RR: 982.4 ms

        """

    @Test(arguments: [nil, SensorFormat.hrRR])
    func pythonLoggerOutput(format: SensorFormat?) {
        let (out, d) = decode(Self.pythonLogger, format: format)
        #expect(d.format == .hrRR)
        #expect(beats(out).map(\.rrMilliseconds) == [
            926.8, 955.1, 971.7, 978.5, 981.4, 956.1, 943.4, 951.2, 971.7, 991.2, 997.1, 971.7, 945.3, 933.6, 961.9, 982.4,
        ])
        #expect(beats(out).allSatisfy { !$0.isLowPrecision })
        #expect(d.rejected.chatterLines == 5)
        #expect(d.rejected.total == 0)
    }

    /// Lines quoted in issue 14 from each firmware, one of each.
    @Test func issueQuotes() {
        let polar = decode("HR bpm: 63 rrs: [972, 1017]\nHR bpm: 63 rrs: [972, 1017]\nHR bpm: 63 rrs: [972, 1017]\n")
        #expect(polar.decoder.format == .hrRR)
        #expect(beats(polar.outputs).map(\.rrMilliseconds) == [972, 1017, 972, 1017, 972, 1017])
        let polar1024 = decode("HR bpm: 63 rrs: [972, 1017]\n", format: .hrRR1024)
        let expected1024: [Double] = [972.0 * 1000 / 1024, 1017.0 * 1000 / 1024]
        #expect(beats(polar1024.outputs).map(\.rrMilliseconds) == expected1024)

        let python = decode("HR:  67 bpm | contact: no | RR: 926.8 ms\n", format: .hrRR)
        #expect(beats(python.outputs).map(\.rrMilliseconds) == [926.8])

        let esp32 = decode("Heart Rate: 63\r\nHeart Rate: 63\r\nHeart Rate: 64\r\n")
        #expect(esp32.decoder.format == .hr)
        let esp32Expected: [Double] = [60000.0 / 63, 60000.0 / 63, 60000.0 / 64]
        let esp32Beats = beats(esp32.outputs)
        #expect(esp32Beats.map(\.rrMilliseconds) == esp32Expected)
        #expect(esp32Beats.allSatisfy { $0.isLowPrecision })

        let pulse = decode("♥  A HeartBeat Happened ! \r\nBPM: 72\r\n♥  A HeartBeat Happened ! \r\nBPM: 72\r\n♥  A HeartBeat Happened ! \r\nBPM: 73\r\n")
        #expect(pulse.decoder.format == .hr)
        let pulseExpected: [Double] = [60000.0 / 72, 60000.0 / 72, 60000.0 / 73]
        #expect(beats(pulse.outputs).map(\.rrMilliseconds) == pulseExpected)
        #expect(pulse.decoder.rejected.chatterLines == 3)

        // MAX3010x Example5: a change of BPM is a beat; " No finger?" lines never are.
        let max = decode(
            "IR=105705, BPM=63.16, Avg BPM=15\r\nIR=105705, BPM=63.16, Avg BPM=15\r\nIR=105705, BPM=63.16, Avg BPM=15\r\n"
                + "IR=105702, BPM=61.22, Avg BPM=31\r\nIR=1204, BPM=61.22, Avg BPM=31 No finger?\r\nIR=1204, BPM=72.29, Avg BPM=31 No finger?\r\n")
        #expect(max.decoder.format == .max3010x)
        #expect(beats(max.outputs).map(\.rrMilliseconds) == [980])
        #expect(max.decoder.rejected.chatterLines == 2)

        // bluez issue thread: bluetoothctl reading a mouse's battery level; one byte is no heart
        // rate measurement, never a beat.
        let battery = decode(
            "[CHG] Attribute /org/bluez/hci0/dev_C6_XX/service000e/char000f Value:\n  4d                                               M\n", format: .bleHRM)
        #expect(beats(battery.outputs).isEmpty)
    }

    /// A strap that sends only its rate gives low-precision beats, after 5 such notifications;
    /// one that sends RR never gets a beat from a rate-only notification.
    @Test func rateOnlyNotifications() {
        let rateOnly = decode(String(repeating: "00 48\n", count: 6), format: .bleHRM)
        let rateOnlyExpected: [Double] = Array(repeating: 60000.0 / 72, count: 6)
        #expect(beats(rateOnly.outputs).map(\.rrMilliseconds) == rateOnlyExpected)
        let mixed = decode("10 48 00 04\n00 48\n00 48\n00 48\n00 48\n00 48\n00 48\n10 48 00 04\n", format: .bleHRM)
        #expect(beats(mixed.outputs).map(\.rrMilliseconds) == [1000, 1000])
    }

    /// `analyze` inputs: OpenHRV recordings, Elite HRV exports (one RR in ms per line) and
    /// Kubios-style text (time and RR in seconds, space separated), with CR, LF or CRLF.
    @Test(arguments: ["\n", "\r\n", "\r"])
    func recordingFiles(lineEnd: String) {
        let openHRV = ["event,value,timestamp", "Sensors,Polar H10 8C4CAD2D, 00:11:22:33:44:55,2024-03-01T10:00:00.000001",
            "InterBeatInterval,950,2024-03-01T10:00:01.000001", "PacerRate,6.0,2024-03-01T10:00:01.100000",
            "InterBeatInterval,1010,2024-03-01T10:00:02.010001", "MeanHrv,45,2024-03-01T10:00:02.010101",
            "InterBeatInterval,980,2024-03-01T10:00:02.990001", "InterBeatInterval,990,2024-03-01T10:00:03.980001"]
            .joined(separator: lineEnd) + lineEnd
        for format in [nil, SensorFormat.openhrv] {
            let (out, d) = decode(openHRV, format: format)
            #expect(d.format == .openhrv)
            #expect(beats(out).map(\.rrMilliseconds) == [950, 1010, 980, 990])
        }
        let elite = ["812", "835", "850", "843", "829", "861", "870", "855", "848"].joined(separator: lineEnd) + lineEnd
        #expect(beats(decode(elite).outputs).map(\.rrMilliseconds) == [812, 835, 850, 843, 829, 861, 870, 855, 848])
        let kubios = (["0.000 0.812", "0.812 0.835", "1.647 0.850", "2.497 0.843", "3.340 0.829", "4.169 0.861", "5.030 0.870", "5.900 0.855", "6.755 0.848"])
            .joined(separator: lineEnd) + lineEnd
        let k = decode(kubios)
        #expect(k.decoder.format == .rr)
        #expect(beats(k.outputs).map { ($0.rrMilliseconds * 1000).rounded() / 1000 } == [812, 835, 850, 843, 829, 861, 870, 855, 848])
    }
}
