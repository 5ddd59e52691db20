/// One freedesktop notification, as `org.freedesktop.Notifications.Notify` takes it.
public struct DesktopNotification: Sendable, Equatable {
    /// The `urgency` hint (a byte on the wire).
    public enum Urgency: UInt8, Sendable {
        case low = 0, normal = 1, critical = 2
    }

    public var appName: String
    /// The id of a shown notification to replace; 0 for a new one.
    public var replacesID: UInt32
    /// A freedesktop icon name (or a file URI).
    public var iconName: String
    public var summary: String
    public var body: String
    public var urgency: Urgency
    /// -1: the server's default; 0: never expires.
    public var expireTimeoutMilliseconds: Int32

    public init(
        appName: String, replacesID: UInt32 = 0, iconName: String, summary: String, body: String,
        urgency: Urgency, expireTimeoutMilliseconds: Int32
    ) {
        self.appName = appName
        self.replacesID = replacesID
        self.iconName = iconName
        self.summary = summary
        self.body = body
        self.urgency = urgency
        self.expireTimeoutMilliseconds = expireTimeoutMilliseconds
    }
}
