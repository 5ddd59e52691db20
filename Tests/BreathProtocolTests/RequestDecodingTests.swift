import BreathProtocol
import Testing

@Suite struct RequestDecodingTests {
    private func error(_ line: String) -> RequestError? {
        do {
            _ = try LineCodec.decodeRequest(line)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesTheDocumentedForms() throws {
        #expect(try LineCodec.decodeRequest(#"{"cmd":"status"}"#) == .status)
        #expect(try LineCodec.decodeRequest(#"  {"cmd":"watch"}  "#) == .watch)
        #expect(
            try LineCodec.decodeRequest(#"{"cmd":"start","minutes":0.5,"rate":6,"ratio":"4:6","voice":"bowl","volume":0.25}"#)
                == .start(StartOptions(minutes: 0.5, rateBreathsPerMinute: 6, ratio: BreathRatio(inhale: 4, exhale: 6), voice: .bowl, volume: 0.25)))
        #expect(try LineCodec.decodeRequest(#"{"cmd":"start","minutes":null}"#) == .start(StartOptions()))
        #expect(try LineCodec.decodeRequest(#"{"cmd":"set","key":"rate","value":6.5}"#) == .set(.rate(6.5)))
        #expect(try LineCodec.decodeRequest(#"{"cmd":"set","key":"voice","value":"noise"}"#) == .set(.voice(.noise)))
        #expect(try LineCodec.decodeRequest(#"{"cmd":"history","limit":5}"#) == .history(limit: 5))
        // 0 and 1 are numbers, not booleans.
        #expect(try LineCodec.decodeRequest(#"{"cmd":"history","limit":1}"#) == .history(limit: 1))
        #expect(try LineCodec.decodeRequest(#"{"cmd":"start","volume":0}"#) == .start(StartOptions(volume: 0)))
        #expect(try LineCodec.decodeRequest(#"{"cmd":"set","key":"volume","value":1}"#) == .set(.volume(1)))
        #expect(throws: RequestError.badArgument(command: "start", name: "volume", value: "true", reason: "must be between 0 and 1")) {
            try LineCodec.decodeRequest(#"{"cmd":"start","volume":true}"#)
        }
        #expect(try LineCodec.decodeRequest(#"{"cmd":"session","id":"last"}"#) == .session(.last))
        #expect(try LineCodec.decodeRequest(#"{"cmd":"session","id":7}"#) == .session(.id(7)))
        #expect(try LineCodec.decodeRequest(#"{"cmd":"session","id":"7"}"#) == .session(.id(7)))
    }

    @Test func invalidJSON() {
        #expect(error("{\"cmd\":") == .invalidJSON)
        #expect(error("") == .invalidJSON)
        #expect(error("status") == .invalidJSON)
        #expect(error("\u{FF}\u{FE}") == .invalidJSON)
        #expect(error("[1,2]") == .notAnObject)
        #expect(error("42") == .notAnObject)
        #expect(RequestError.invalidJSON.description.hasPrefix("invalid JSON"))
    }

    @Test func commandErrors() {
        #expect(error("{}") == .missingCommand)
        #expect(error(#"{"cmd":"dance"}"#) == .unknownCommand("dance"))
        #expect(RequestError.unknownCommand("dance").description
            == "unknown cmd \"dance\"; expected one of status, watch, start, stop, pause, resume, set, history, session, assess")
        #expect(RequestError.unknownCommand("STATUS").description.contains("did you mean \"status\"?"))
        #expect(error(#"{"cmd":3}"#) == .badArgument(command: "request", name: "cmd", value: "3", reason: "must be a string, one of status, watch, start, stop, pause, resume, set, history, session, assess"))
        #expect(error(#"{"cmd":"stop","now":true}"#) == .unknownArgument(command: "stop", name: "now"))
        #expect(error(#"{"cmd":"start","minuts":3}"#)?.description == "start: unknown argument \"minuts\"; accepted: minutes, rate, ratio, voice, volume, interactive")
    }

    @Test func argumentErrorsStateTheAcceptedRange() {
        let cases: [(String, String)] = [
            (#"{"cmd":"start","rate":12}"#, "start: rate = 12: must be between 4.0 and 7.0 breaths per minute"),
            (#"{"cmd":"start","rate":"fast"}"#, "start: rate = \"fast\": must be between 4.0 and 7.0 breaths per minute"),
            (#"{"cmd":"start","minutes":0}"#, "start: minutes = 0: must be between 0.1 and 240 minutes"),
            (#"{"cmd":"start","volume":1.5}"#, "start: volume = 1.5: must be between 0 and 1"),
            (#"{"cmd":"start","voice":"drum"}"#, "start: voice = \"drum\": must be one of glide, bowl, noise, off"),
            (#"{"cmd":"start","ratio":"1:9"}"#, "start: ratio = \"1:9\": must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6"),
            (#"{"cmd":"set","key":"ratio","value":"2:8"}"#, "set: value = \"2:8\": must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6"),
            (#"{"cmd":"set","key":"pitch","value":1}"#, "set: key = \"pitch\": must be one of rate, ratio, voice, volume"),
            (#"{"cmd":"set","key":"rate"}"#, "set: value = null: must be a rate between 4.0 and 7.0 breaths per minute, or \"resonance\""),
            (#"{"cmd":"set","key":"rate","value":9}"#, "set: value = 9: must be between 4.0 and 7.0 breaths per minute"),
            (#"{"cmd":"assess","rates":[6]}"#, "assess: rates = (object or array): must be an array of 2 to 10 rates, each between 4.0 and 7.0 breaths per minute"),
            (#"{"cmd":"assess","rates":[6,"5"]}"#, "assess: rates = (object or array): must be an array of 2 to 10 rates, each between 4.0 and 7.0 breaths per minute"),
            (#"{"cmd":"assess","rates":[6,3]}"#, "assess: rates = (object or array): must be an array of 2 to 10 rates, each between 4.0 and 7.0 breaths per minute"),
            (#"{"cmd":"assess","minutes_per_rate":0.5}"#, "assess: minutes_per_rate = 0.5: must be between 1 and 10 minutes"),
            (#"{"cmd":"assess","rest_s":-1}"#, "assess: rest_s = -1: must be between 0 and 300 seconds"),
            (#"{"cmd":"assess","speed":2}"#, "assess: unknown argument \"speed\"; accepted: rates, minutes_per_rate, rest_s"),
            (#"{"cmd":"history","limit":2.5}"#, "history: limit = 2.5: must be a whole number between 1 and 10000"),
            (#"{"cmd":"history","limit":0}"#, "history: limit = 0: must be a whole number between 1 and 10000"),
            (#"{"cmd":"session","id":"first"}"#, "session: id = \"first\": must be a session id (a whole number from 1) or \"last\""),
            (#"{"cmd":"session"}"#, "session: id = null: must be a session id (a whole number from 1) or \"last\""),
            (#"{"cmd":"start","rate":[5]}"#, "start: rate = (object or array): must be between 4.0 and 7.0 breaths per minute"),
        ]
        for (line, message) in cases {
            #expect(error(line)?.description == message, "\(line)")
        }
    }

    @Test func lineLimit() throws {
        let padding = String(repeating: " ", count: LineCodec.maximumRequestLineBytes - 16)
        let atLimit = #"{"cmd":"status"}"# + padding
        #expect(atLimit.utf8.count == LineCodec.maximumRequestLineBytes)
        #expect(try LineCodec.decodeRequest(atLimit) == .status)
        #expect(error(atLimit + " ") == .lineTooLong(bytes: 4097))
    }

    @Test func stateChangingCommands() {
        let changing = Request.Command.allCases.filter { command in
            Samples.allRequests.first { $0.command == command }?.changesState ?? false
        }
        #expect(changing.map(\.rawValue) == ["start", "stop", "pause", "resume", "set", "assess"])
    }
}
